import { describe, expect, it } from 'vitest';
import { fuse, type ScoreSplit } from '../../src/fusion/index.js';
import { paramsFromRecord } from '../../src/fusion/form-params.js';
import { fusedColumn, FORMS } from '../../src/fusion/forms.js';
import { fitKnots, percentile, RANK_KNOTS } from '../../src/fusion/forms/rank.js';
import { auc } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';
import { expectedScore as expected } from './form-expected.js';
import { fuseOptions } from './options.js';

const TASKS = ['click', 'cart', 'order'];

/** Funnel-like probabilities on different scales, a value column (price), labels that depend on all three. */
function funnel(n: number, seed: number): ScoreSplit {
  const rng = new Rng(seed);
  const scores = TASKS.map(() => new Float64Array(n));
  const labels = TASKS.map(() => new Uint8Array(n));
  const value = new Float64Array(n);
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  for (let i = 0; i < n; i++) {
    const z = rng.normal(),
      u = rng.normal();
    value[i] = Math.round(Math.exp(2 + rng.normal()) * 100) / 100;
    scores[0][i] = sig(-1 + z + 0.5 * rng.normal());
    scores[1][i] = sig(-3 + 0.6 * z + u + 0.5 * rng.normal());
    scores[2][i] = sig(-4 + 0.5 * z + u - 0.2 * Math.log(value[i]) + 0.5 * rng.normal());
    labels[0][i] = rng.float() < sig(-1 + z) ? 1 : 0;
    labels[1][i] = rng.float() < sig(-2.5 + 0.6 * z + u) ? 1 : 0;
    labels[2][i] = rng.float() < sig(-3 + 0.5 * z + u - 0.2 * Math.log(value[i])) ? 1 : 0;
  }
  return { source: 'funnel', rows: n, scores, labels, value };
}

const bad = (why: string) => new Error(why);

describe('fusion forms: each exact under every search', () => {
  const s = funnel(1500, 7);
  for (const form of FORMS)
    for (const search of ['grid', 'coordinate', 'random', 'cmaes'])
      it(`${form} / ${search}: the reported AUCs are those of the deployed score`, async () => {
        const r = await fuse(
          TASKS,
          s,
          undefined,
          fuseOptions({
            form,
            search,
            step: 0.25,
            samples: 40,
            offsets: { click: 0.05, order: 0.001 },
            value: 'price',
          }),
        );
        const params = paramsFromRecord(form, TASKS, r.params, bad);
        const w = TASKS.map((t) => r.deploy.weights[t]);
        const offsets = TASKS.map((t) => (t === 'click' ? 0.05 : t === 'order' ? 0.001 : 1));
        const mine = Float64Array.from({ length: s.rows }, (_, i) =>
          expected(
            form,
            w,
            TASKS.map((_, t) => s.scores[t][i]),
            s.value![i],
            offsets,
            params.knots ?? [],
          ),
        );
        const shipped = fusedColumn(form, w, s.scores, params, s.value);
        TASKS.forEach((task, t) => {
          expect(r.best.aucs[task]).toBeCloseTo(auc(mine, s.labels[t]), 12);
          expect(auc(shipped, s.labels[t])).toBeCloseTo(auc(mine, s.labels[t]), 12);
        });
        expect(r.best.objective).toBeCloseTo(auc(mine, s.labels[2]), 12);
        if (form === 'ensemble') expect(params.offsets).toEqual(offsets);
        if (form === 'expected-value') expect(params.value).toBe('price');
      });

  it('expected-value is not scale-invariant: the grid scores every vector, and weights deploy as searched', async () => {
    const r = await fuse(TASKS, s, undefined, fuseOptions({ form: 'expected-value', step: 0.5, value: 'price' }));
    expect(r.evaluated).toBe(27); // 3^3, no direction shared (linear would score 19)
    expect(r.deploy.weights).toEqual(r.best.weights);
    expect(r.deploy.formula).toMatch(/^score = max\(price, 1e-12\)/);
    // linear scores each direction once: the non-zero points of {0, ½, 1}³ up to scale, plus the zero vector
    const lin = await fuse(TASKS, s, undefined, fuseOptions({ step: 0.5 }));
    const directions = new Set<string>();
    for (const a of [0, 1, 2])
      for (const b of [0, 1, 2])
        for (const c of [0, 1, 2]) {
          const z = a + b + c;
          directions.add(z ? [a / z, b / z, c / z].map((x) => x.toFixed(9)).join() : 'zero');
        }
    expect(lin.evaluated).toBe(directions.size);
  });

  it('refuses a missing value column and negative scores with one line', async () => {
    const noValue = { ...s, value: undefined };
    await expect(fuse(TASKS, noValue, undefined, fuseOptions({ form: 'expected-value' }))).rejects.toThrow(
      /expected-value form needs a value column/,
    );
    const negative = { ...s, scores: [s.scores[0].map((x) => x - 0.5), s.scores[1], s.scores[2]] };
    await expect(fuse(TASKS, negative, undefined, fuseOptions({ form: 'ensemble' }))).rejects.toThrow(
      /ensemble form needs scores ≥ 0.*use --form linear or rank/,
    );
    await expect(fuse(TASKS, s, undefined, fuseOptions({ form: 'ensemble', offsets: { click: 0 } }))).rejects.toThrow(
      /offsets: 'click' must be a number > 0/,
    );
  });
});

describe('rank form percentiles', () => {
  it('knots are the empirical quantiles and percentile(x) is the share of the sample ≤ x within 1/K', () => {
    const rng = new Rng(3);
    const x = Float64Array.from({ length: 5000 }, () => rng.normal() ** 3);
    const q = fitKnots(x);
    expect(q).toHaveLength(RANK_KNOTS + 1);
    const sorted = [...x].sort((a, b) => a - b);
    expect(q[0]).toBe(sorted[0]);
    expect(q[RANK_KNOTS]).toBe(sorted[sorted.length - 1]);
    for (let k = 0; k < 50; k++) {
      const v = x[rng.int(x.length)];
      const share = sorted.filter((y) => y <= v).length / sorted.length;
      expect(Math.abs(percentile(q, v) - share)).toBeLessThanOrEqual(1 / RANK_KNOTS + 1 / x.length);
    }
    // non-decreasing, clamped to [0, 1], ties in the knots divide by nothing
    const tied = [0, 0, 0, 1, 1, 2];
    let prev = -1;
    for (let v = -1; v <= 3; v += 0.01) {
      const p = percentile(tied, v);
      expect(p).toBeGreaterThanOrEqual(prev);
      expect(Number.isFinite(p)).toBe(true);
      prev = p;
    }
    expect(percentile(tied, -1)).toBe(0);
    expect(percentile(tied, 2)).toBe(1);
  });
});
