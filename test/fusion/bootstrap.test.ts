import { describe, expect, it } from 'vitest';
import { bootstrapChoice, resampleWeights, weightedAucSorted } from '../../src/fusion/bootstrap.js';
import { fuse, type ScoreSplit } from '../../src/fusion/index.js';
import { auc } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';
import { fuseOptions } from './options.js';

const sortedOrder = (s: Float64Array) => Uint32Array.from(s.keys()).sort((a, b) => s[a] - s[b]);

describe('bootstrap', () => {
  it('weighted AUC of one sorted pass equals metrics auc with sample weights, ties included', () => {
    const rng = new Rng(1),
      n = 3000;
    const s = Float64Array.from({ length: n }, () => Math.round(rng.float() * 40) / 40); // heavy ties
    const y = Uint8Array.from(s, (v) => (rng.float() < v ? 1 : 0));
    const w = new Float64Array(n);
    resampleWeights(n, undefined, rng, w);
    expect(weightedAucSorted(sortedOrder(s), s, y, w)).toBeCloseTo(auc(s, y, w), 12);
  });

  it('by group: every row of a group weighs its group count, and the counts sum to the number of groups', () => {
    const group = Int32Array.from({ length: 500 }, (_, i) => i % 37);
    const w = new Float64Array(500);
    resampleWeights(500, group, new Rng(2), w);
    const perGroup = new Map<number, number>();
    group.forEach((g, i) => {
      if (perGroup.has(g)) expect(w[i]).toBe(perGroup.get(g));
      perGroup.set(g, w[i]);
    });
    expect([...perGroup.values()].reduce((a, b) => a + b, 0)).toBe(37);
  });

  it('a candidate far worse is clearly beaten; intervals hold the point estimate; the choice avoids noise', () => {
    const rng = new Rng(3),
      n = 4000;
    const signal = Float64Array.from({ length: n }, () => rng.float());
    const y = Uint8Array.from(signal, (v) => (rng.float() < v * 0.1 ? 1 : 0));
    const noise = Float64Array.from({ length: n }, () => rng.float());
    const r = bootstrapChoice({
      scores: [noise, signal],
      objective: [{ labels: y, weight: 1 }],
      resamples: 100,
      seed: 1,
    });
    expect(r.candidates[0].beatenBy).toBe(1);
    expect(r.candidates[1].beatenBy).toBeUndefined();
    expect(r.chosen).toBe(1);
    const point = auc(signal, y);
    expect(r.candidates[1].lo).toBeLessThan(point);
    expect(r.candidates[1].hi).toBeGreaterThan(point);
    expect(r.by).toBe('row');
  });

  it('fuse --bootstrap: best is the chosen candidate, with intervals for the top 20, reproducible', async () => {
    const rng = new Rng(4),
      n = 2000;
    const scores = [0, 1].map(() => Float64Array.from({ length: n }, () => rng.float()));
    const labels = [
      Uint8Array.from(scores[0], (v) => (rng.float() < v ? 1 : 0)),
      Uint8Array.from({ length: n }, (_, i) => (rng.float() < 0.02 * (scores[0][i] + scores[1][i]) ? 1 : 0)),
    ];
    const split: ScoreSplit = {
      source: 's',
      rows: n,
      scores,
      labels,
      group: Int32Array.from({ length: n }, (_, i) => i % 300),
    };
    const o = fuseOptions({ bootstrap: 50, objective: { type: 'auc', task: 'order' } });
    const r = await fuse(['click', 'order'], split, undefined, o);
    const b = r.bootstrap!;
    expect(b.by).toBe('group');
    expect(b.candidates).toHaveLength(20);
    const c = b.candidates[b.chosen];
    expect(r.best.objective).toBe(c.objective);
    expect(c.beaten).toBe(false);
    expect(b.candidates.filter((x) => !x.beaten).every((x) => x.lo <= c.lo)).toBe(true);
    expect((await fuse(['click', 'order'], split, undefined, o)).bootstrap).toEqual(b);
  });
});
