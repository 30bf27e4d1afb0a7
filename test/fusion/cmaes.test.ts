import { describe, expect, it } from 'vitest';
import { fuse, parseObjective, type ScoreSplit } from '../../src/fusion/index.js';
import { symmetricEigen } from '../../src/fusion/search/eigen.js';
import { auc } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';
import { fuseOptions } from './options.js';

const TASKS = ['a', 'b', 'c', 'd', 'e'];
const PLANTED = [0.1, 0.3, 0.2, 0.25, 0.15];

/** Five uniform score columns; task e's label is planted: the top 10% of Σ PLANTED·s. */
function planted(n: number, seed: number): ScoreSplit {
  const rng = new Rng(seed);
  const scores = TASKS.map(() => Float64Array.from({ length: n }, () => rng.float()));
  const labels = TASKS.map((_, t) => Uint8Array.from(scores[t], (x) => (rng.float() < 0.3 * x ? 1 : 0)));
  const f = Float64Array.from({ length: n }, (_, i) => PLANTED.reduce((a, w, t) => a + w * scores[t][i], 0));
  const cut = Float64Array.from(f).sort()[Math.floor(n * 0.9)];
  labels[4] = Uint8Array.from(f, (x) => (x > cut ? 1 : 0));
  return { source: 'planted', rows: n, scores, labels };
}

describe('cmaes search', () => {
  const s = planted(3000, 9);
  const run = (seed: number, samples = 150) =>
    fuse(TASKS, s, undefined, fuseOptions({ search: 'cmaes', objective: parseObjective('auc:e'), samples, seed }));

  it('spends exactly its budget, is reproducible with a seed, and differs with another seed', async () => {
    const [one, again, other] = await Promise.all([run(3), run(3), run(4)]);
    expect(one.combinations).toBe(150);
    expect(again.top).toEqual(one.top);
    expect(again.best.weights).toEqual(one.best.weights);
    expect(other.top.map((c) => c.weights)).not.toEqual(one.top.map((c) => c.weights));
  });

  it('approaches the planted weights in 5 tasks off the grid; the reported AUC is the fused score’s', async () => {
    const r = await run(1, 400);
    expect(r.best.objective).toBeGreaterThan(0.99);
    const w = TASKS.map((t) => r.best.weights[t]);
    const f = Float64Array.from({ length: s.rows }, (_, i) => w.reduce((a, x, t) => a + x * s.scores[t][i], 0));
    expect(r.best.objective).toBeCloseTo(auc(f, s.labels[4]), 12);
    const sum = w.reduce((a, b) => a + b, 0);
    w.forEach((x, t) => expect(Math.abs(x / sum - PLANTED[t])).toBeLessThan(0.05));
  });
});

describe('symmetricEigen (Jacobi)', () => {
  it('A·v = λ·v with orthonormal v for random symmetric matrices', () => {
    const rng = new Rng(5);
    for (const n of [1, 2, 5, 8]) {
      const A = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i][j] = A[j][i] = rng.normal();
      const { values, vectors } = symmetricEigen(A);
      for (let k = 0; k < n; k++) {
        for (let i = 0; i < n; i++) {
          const av = A[i].reduce((a, x, j) => a + x * vectors[j][k], 0);
          expect(av).toBeCloseTo(values[k] * vectors[i][k], 9);
        }
        for (let l = 0; l < n; l++)
          expect(vectors.reduce((a, row) => a + row[k] * row[l], 0)).toBeCloseTo(k === l ? 1 : 0, 9);
      }
    }
  });
});
