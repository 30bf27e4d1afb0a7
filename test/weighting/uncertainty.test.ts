import { describe, expect, it } from 'vitest';
import { createLossWeighting } from '../../src/weighting/index.js';

const tasks = [
  { name: 'order', lossWeight: 1 },
  { name: 'click', lossWeight: 1 },
  { name: 'watch', lossWeight: 1 },
];

describe('uncertainty weighting (Kendall et al. 2018)', () => {
  it('learns variances exp(s) that move to the task losses’ scales', () => {
    const losses = [0.02, 0.7, 30];
    const w = createLossWeighting({ method: 'uncertainty', lr: 0.05 }, tasks);
    let weights: number[] = [];
    for (let step = 0; step < 3000; step++) weights = w.weights({ step, losses });
    // exp(−s) is the weight; the optimum of Σ exp(−s)L + s is exp(s) = L, i.e. weight = 1/L.
    weights.forEach((wt, t) => expect(1 / wt / losses[t]!).toBeGreaterThan(0.97));
    weights.forEach((wt, t) => expect(1 / wt / losses[t]!).toBeLessThan(1.03));
    const described = w.describe();
    expect(Object.keys(described)).toEqual(['order', 'click', 'watch']);
    expect(described.watch! * 30).toBeCloseTo(1, 1);
  });

  it('tracks the mean of noisy losses and descends the stated objective', () => {
    const w = createLossWeighting({ method: 'uncertainty', lr: 0.02 }, tasks.slice(0, 1));
    // Objective E[exp(−s)L + s] for L alternating 1 and 3 is minimised at exp(s) = 2.
    let weight = 1;
    for (let step = 0; step < 4000; step++) weight = w.weights({ step, losses: [step % 2 ? 3 : 1] })[0]!;
    expect(1 / weight).toBeGreaterThan(1.85);
    expect(1 / weight).toBeLessThan(2.15);
  });
});
