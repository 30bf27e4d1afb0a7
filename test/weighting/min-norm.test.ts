import { describe, expect, it } from 'vitest';
import { gramMatrix } from '../../src/weighting/gram.js';
import { minNormOnSimplex } from '../../src/weighting/min-norm.js';
import { Rng } from '../../src/util/rng.js';
import { bruteForceMin, normOfCombination, randomGrads } from './helpers.js';

const solve = (grads: Float32Array[], method?: 'exact' | 'frank-wolfe') =>
  minNormOnSimplex(gramMatrix(grads), undefined, { method });

describe('min-norm point on the simplex (MGDA solver)', () => {
  it('matches a brute-force grid search for 2 and 3 random gradients', () => {
    const rng = new Rng(7);
    for (const T of [2, 3]) {
      for (let trial = 0; trial < 12; trial++) {
        // n ≥ T keeps the minimiser unique; mixed scales make interior, edge and vertex optima all occur.
        const grads = randomGrads(
          rng,
          T,
          T + rng.int(3),
          Array.from({ length: T }, () => Math.exp(rng.normal())),
        );
        const alpha = solve(grads);
        const brute = bruteForceMin(grads, T === 2 ? 20000 : 400);
        expect(alpha.every((a) => a >= 0)).toBe(true);
        expect(alpha.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        const value = normOfCombination(grads, alpha);
        expect(value).toBeLessThanOrEqual(brute.value * (1 + 1e-9) + 1e-12);
        alpha.forEach((a, i) => expect(Math.abs(a - brute.alpha[i]!)).toBeLessThan(0.02));
      }
    }
  });

  it('finds the known answers of small cases', () => {
    const v = (...x: number[]) => Float32Array.from(x);
    expect(solve([v(1, 0), v(0, 1)]).map((a) => +a.toFixed(12))).toEqual([0.5, 0.5]);
    expect(solve([v(1, 0), v(2, 0.1)])).toEqual([1, 0]); // the shorter end of the segment
    expect(solve([v(1, 0), v(0, 3)]).map((a) => +a.toFixed(12))).toEqual([0.9, 0.1]); // 9/(1+9)
    // Three gradients in a plane whose hull contains the origin only on the edge 1–2 (singular Gram).
    const a = solve([v(1, 0), v(-1, 0), v(0, 1)]);
    expect(a[0]).toBeCloseTo(0.5, 12);
    expect(a[1]).toBeCloseTo(0.5, 12);
    expect(a[2]).toBeCloseTo(0, 12);
  });

  it('handles duplicate and zero gradients without NaN', () => {
    const g = Float32Array.from([1, 2, 3]);
    const dup = solve([g, g, Float32Array.from([3, 2, 1])]);
    expect(dup.every(Number.isFinite)).toBe(true);
    expect(normOfCombination([g, g, Float32Array.from([3, 2, 1])], dup)).toBeCloseTo(
      bruteForceMin([g, g, Float32Array.from([3, 2, 1])], 300).value,
      6,
    );
    expect(solve([new Float32Array(3), new Float32Array(3)])).toEqual([0.5, 0.5]);
    expect(solve([new Float32Array(3), g])).toEqual([1, 0]);
  });

  it('is unaffected by tiny gradient scales (float64 Gram, relative tolerance)', () => {
    const rng = new Rng(3);
    const grads = randomGrads(rng, 3, 50);
    const tiny = grads.map((g) => g.map((x) => x * 1e-15));
    const a = solve(grads),
      b = solve(tiny);
    a.forEach((x, i) => expect(b[i]).toBeCloseTo(x, 6)); // float32 rounding of the scaled inputs only
  });

  it('Frank-Wolfe (the fallback for many tasks) agrees with the exact solver', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 5; trial++) {
      const grads = randomGrads(rng, 6, 4);
      const exact = normOfCombination(grads, solve(grads, 'exact'));
      const fw = normOfCombination(grads, solve(grads, 'frank-wolfe'));
      expect(fw).toBeGreaterThanOrEqual(exact - 1e-9);
      expect(fw).toBeLessThanOrEqual(exact + 1e-4 * Math.max(exact, 1e-3));
    }
  });
});
