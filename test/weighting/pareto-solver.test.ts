import { describe, expect, it } from 'vitest';
import { gramMatrix } from '../../src/weighting/gram.js';
import { paretoWeights } from '../../src/weighting/pareto-solver.js';
import { Rng } from '../../src/util/rng.js';
import { bruteForceMin, normOfCombination, randomGrads } from './helpers.js';

describe('PE-LTR Pareto solver', () => {
  it('meets its lower bounds and is min-norm among feasible weights (brute force)', () => {
    const rng = new Rng(21);
    for (const T of [2, 3]) {
      for (let trial = 0; trial < 12; trial++) {
        const grads = randomGrads(
          rng,
          T,
          T + rng.int(3),
          Array.from({ length: T }, () => Math.exp(rng.normal())),
        );
        const raw = Array.from({ length: T }, () => rng.float());
        const total = 0.2 + 0.7 * rng.float(); // bounds use 20–90% of the budget
        const lower = raw.map((r) => (r / raw.reduce((a, b) => a + b, 0)) * total);
        const alpha = paretoWeights(gramMatrix(grads), lower);
        alpha.forEach((a, i) => expect(a).toBeGreaterThanOrEqual(lower[i]! - 1e-12));
        expect(alpha.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        const brute = bruteForceMin(grads, T === 2 ? 20000 : 400, lower);
        const value = normOfCombination(grads, alpha);
        expect(value).toBeLessThanOrEqual(brute.value * (1 + 1e-9) + 1e-12);
        alpha.forEach((a, i) => expect(Math.abs(a - brute.alpha[i]!)).toBeLessThan(0.02));
      }
    }
  });

  it('beats the paper’s relaxed solve + projection when a bound is active', () => {
    // g1 long, g2 short and nearly opposite: unconstrained min-norm puts almost all weight on g2;
    // the bound c1 = 0.5 forces α1 ≥ 0.5, and the exact optimum sits on that bound.
    const g1 = Float32Array.from([4, 0]),
      g2 = Float32Array.from([-1, 0.2]);
    const alpha = paretoWeights(gramMatrix([g1, g2]), [0.5, 0]);
    expect(alpha[0]).toBeCloseTo(0.5, 12);
    const brute = bruteForceMin([g1, g2], 100000, [0.5, 0]);
    expect(normOfCombination([g1, g2], alpha)).toBeLessThanOrEqual(brute.value + 1e-12);
  });

  it('with zero bounds equals the MGDA min-norm point; with bounds using the whole budget returns them', () => {
    const g = [Float32Array.from([1, 0]), Float32Array.from([0, 3])];
    expect(paretoWeights(gramMatrix(g), [0, 0]).map((a) => +a.toFixed(12))).toEqual([0.9, 0.1]);
    expect(paretoWeights(gramMatrix(g), [0.3, 0.7])).toEqual([0.3, 0.7]);
  });
});
