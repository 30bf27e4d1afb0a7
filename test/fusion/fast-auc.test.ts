import { describe, expect, it } from 'vitest';
import { FastAuc, positiveRows } from '../../src/fusion/fast-auc.js';
import { GroupAuc, groupLayout } from '../../src/fusion/group-auc.js';
import { fuseInto, prepareColumn } from '../../src/fusion/forms.js';
import { auc, gauc } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';

describe('FastAuc (bucketed exact AUC)', () => {
  it('equals the sort-based midrank AUC on tied, skewed and tiny-range scores', () => {
    const rng = new Rng(7);
    const shapes: ((u: number) => number)[] = [
      (u) => Math.floor(u * 5) / 5, // 5 levels: huge ties
      (u) => Math.pow(u, 12), // mass crammed near 0
      (u) => 0.5 + Math.floor(u * 1000) * 1e-17, // range near machine precision
      (u) => (u < 0.999 ? 0.25 : 0.25 + u), // nearly constant with a few outliers
      (u) => u,
      (u) => Math.log(u), // all negative (product form's log scores)
      (u) => (u < 0.3 ? 0 : u - 0.6), // mixed sign with many exact zeros
      (u) => (u - 0.5) * 1e300, // huge magnitudes of both signs
    ];
    for (const [k, shape] of shapes.entries()) {
      for (const rate of [0.002, 0.05, 0.5, 0.97]) {
        const n = 3000;
        const s = new Float64Array(n),
          y = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          y[i] = rng.float() < rate ? 1 : 0;
          s[i] = shape(Math.min(0.999999, rng.float() * 0.8 + 0.2 * y[i]));
        }
        if (!y.includes(1) || !y.includes(0)) continue;
        const fast = new FastAuc(n, n);
        expect(fast.auc(s, { labels: y, positives: positiveRows(y) }), `shape ${k} rate ${rate}`).toBeCloseTo(
          auc(s, y),
          12,
        );
      }
    }
  });

  it('GroupAuc equals metrics gauc on the grouped rows', () => {
    const rng = new Rng(8);
    const n = 2000;
    const s = new Float64Array(n),
      y = new Uint8Array(n),
      g = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = rng.float() < 0.2 ? 1 : 0;
      s[i] = Math.floor((rng.float() + 0.3 * y[i]) * 6);
      g[i] = rng.int(60);
    }
    const layout = groupLayout(g, [y]);
    const ps = Float64Array.from(layout.order, (r) => s[r]);
    const py = Uint8Array.from(layout.order, (r) => y[r]);
    expect(new GroupAuc(n).gauc(ps, py, layout.segments[0])).toBeCloseTo(gauc(s, y, g), 12);
  });

  it('fuseInto computes w·x in task order with exact min and max, for any number of non-zero weights', () => {
    const rng = new Rng(9);
    const cols = Array.from({ length: 5 }, () => Float64Array.from({ length: 50 }, () => rng.float()));
    for (const w of [
      [0, 0, 0, 0, 0],
      [0, 0.3, 0, 0, 0],
      [0.1, 0, 0.7, 0, 0],
      [0.1, 0.2, 0.3, 0, 0],
      [0.1, 0.2, 0.3, 0.4, 0.5],
    ]) {
      const out = new Float64Array(50);
      const { min, max } = fuseInto(w, cols, out);
      for (let i = 0; i < 50; i++) {
        let v = 0,
          first = true;
        for (let t = 0; t < 5; t++)
          if (w[t] !== 0) {
            v = first ? w[t] * cols[t][i] : v + w[t] * cols[t][i];
            first = false;
          }
        expect(out[i]).toBe(v);
      }
      expect(min).toBe(Math.min(...out));
      expect(max).toBe(Math.max(...out));
    }
    expect(prepareColumn('product', Float64Array.from([1, Math.E, 0]))[1]).toBeCloseTo(1, 15);
    expect(Number.isFinite(prepareColumn('product', Float64Array.from([0]))[0])).toBe(true);
  });
});

describe('ComboScorer', () => {
  it('scores on the fly (≤ 3 non-zero weights) and materialised (more) exactly like auc of fuseInto', async () => {
    const { ComboScorer } = await import('../../src/fusion/scorer.js');
    const rng = new Rng(10);
    const n = 2500,
      T = 4;
    const columns = Array.from({ length: T }, () =>
      Float64Array.from({ length: n }, () => Math.round(rng.float() * 50) / 50),
    );
    const labels = Array.from({ length: T }, (_, t) =>
      Uint8Array.from({ length: n }, (_, i) => (rng.float() < 0.1 + 0.5 * columns[t][i] ? 1 : 0)),
    );
    const scorer = new ComboScorer({ rows: n, columns, labels });
    const out = new Float64Array(T + 1),
      f = new Float64Array(n);
    for (const w of [
      [0, 0, 0, 0],
      [0, 3, 0, 0],
      [1, 0, 2, 0],
      [1, 2, 3, 0],
      [1, 2, 3, 4],
      [0.1, 0.7, 0.3, 0.9],
    ]) {
      scorer.score(w, { taskMask: 0b1111, withGauc: false }, out);
      fuseInto(w, columns, f);
      for (let t = 0; t < T; t++) expect(out[t], `w=${w} task ${t}`).toBeCloseTo(auc(f, labels[t]), 12);
      expect(Number.isNaN(out[T])).toBe(true);
    }
  });
});
