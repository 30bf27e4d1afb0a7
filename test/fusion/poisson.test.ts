import { describe, expect, it } from 'vitest';
import { poisson } from '../../src/fusion/poisson.js';
import { Rng } from '../../src/util/rng.js';

describe('poisson', () => {
  it('draws have the mean and variance λ and the exact probability of 0, inversion and PTRS alike', () => {
    const rng = new Rng(1),
      draws = 20000;
    for (const lambda of [0.5, 3, 10, 57.5, 2000]) {
      let s = 0,
        s2 = 0,
        zeros = 0;
      for (let i = 0; i < draws; i++) {
        const k = poisson(lambda, rng);
        expect(Number.isInteger(k) && k >= 0).toBe(true);
        s += k;
        s2 += k * k;
        if (k === 0) zeros++;
      }
      const mean = s / draws,
        variance = s2 / draws - mean * mean;
      // 5 standard errors: the mean's is √(λ/draws), the variance's about λ·√(2/draws)
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / draws));
      expect(Math.abs(variance - lambda)).toBeLessThan(5 * lambda * Math.sqrt(2 / draws) + 0.05);
      if (lambda < 5) expect(Math.abs(zeros / draws - Math.exp(-lambda))).toBeLessThan(0.01);
    }
  });
});
