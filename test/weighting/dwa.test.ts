import { describe, expect, it } from 'vitest';
import { createLossWeighting } from '../../src/weighting/index.js';

const tasks = ['click', 'order'].map((name) => ({ name, lossWeight: 1 }));

describe('Dynamic Weight Average (Liu et al. 2019)', () => {
  it('weights 1 until two windows are complete, then K·softmax(r/τ) of the loss ratios of the last two windows', () => {
    const w = createLossWeighting({ method: 'dwa', temperature: 2, window: 3 }, tasks);
    const losses = [
      [1, 4],
      [2, 4],
      [3, 4],
      [1, 1],
      [1, 2],
      [1, 3],
      [9, 9],
    ];
    const seen: number[][] = losses.map((l, step) => w.weights({ step, losses: l }));
    for (let step = 0; step < 6; step++) expect(seen[step]).toEqual([1, 1]);
    // Window means: first (2, 4), second (1, 2) → r = (0.5, 0.5) → equal weights.
    expect(seen[6]![0]).toBeCloseTo(1, 12);
    // One more window (8, 8, 8 after the 9s): means (9+8+8)/3 vs (1, 2).
    for (let step = 7; step < 9; step++) w.weights({ step, losses: [8, 8] });
    const r = [25 / 3 / 1, 25 / 3 / 2];
    const e = r.map((x) => Math.exp(x / 2));
    const expected = e.map((x) => (2 * x) / (e[0]! + e[1]!));
    const got = w.weights({ step: 9, losses: [1, 1] });
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 12));
    expect(w.describe().click).toBeCloseTo(expected[0]!, 12);
  });
});
