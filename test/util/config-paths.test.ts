import { describe, expect, it } from 'vitest';
import { describeConfigChange } from '../../src/util/config-paths.js';

describe('describeConfigChange', () => {
  it('names each differing leaf as saved → now, unset sides included, and counts the rest', () => {
    const before = { training: { epochs: 1, lr: 0.01 }, tasks: { order: { labelWeight: 10 } }, model: { tower: [32] } };
    const after = {
      training: { epochs: 3, lr: 0.01 },
      tasks: { order: { labelWeight: 1 } },
      model: { tower: [64] },
      seed: 7,
    };
    expect(describeConfigChange(before, after)).toBe(
      'training.epochs: 1 → 3; tasks.order.labelWeight: 10 → 1; model.tower: [32] → [64]; seed: (unset) → 7',
    );
    expect(describeConfigChange(before, after, 2)).toBe(
      'training.epochs: 1 → 3; tasks.order.labelWeight: 10 → 1; and 2 more',
    );
    expect(describeConfigChange(before, before)).toBe('');
  });
});
