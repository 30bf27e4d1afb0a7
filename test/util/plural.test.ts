import { describe, expect, it } from 'vitest';
import { counted } from '../../src/util/plural.js';

describe('counted', () => {
  it('puts the noun in the singular for exactly one, else the plural', () => {
    expect([0, 1, 2].map((n) => counted(n, 'seed'))).toEqual(['0 seeds', '1 seed', '2 seeds']);
    expect(counted(1, 'loss', 'losses')).toBe('1 loss');
    expect(counted(3, 'loss', 'losses')).toBe('3 losses');
  });
});
