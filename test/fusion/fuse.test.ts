import { describe, expect, it } from 'vitest';
import { fuse, gridPoints, parseConstraint, parseObjective, type ScoreSplit } from '../../src/fusion/index.js';
import { auc, gauc } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';
import { parseForm } from '../../src/fusion/forms.js';
import { searchNamed } from '../../src/fusion/search/index.js';
import { fuseOptions } from './options.js';

const TASKS = ['click', 'cart', 'order'];

/**
 * Three uniform score columns (continuous: the grid scores a direction once with integer weights, which agrees with
 * decimal weights except for near-ties within rounding error; tie handling itself is tested in fast-auc.test.ts).
 * Order is planted: label = (0.3·s0 + 0.5·s1 + 0.2·s2 is in its top 10%). Click follows s0. */
function planted(n: number, seed: number): ScoreSplit {
  const rng = new Rng(seed);
  const scores = TASKS.map(() => new Float64Array(n));
  const labels = TASKS.map(() => new Uint8Array(n));
  const group = new Int32Array(n);
  const fused = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 3; t++) scores[t][i] = rng.float();
    fused[i] = 0.3 * scores[0][i] + 0.5 * scores[1][i] + 0.2 * scores[2][i];
    labels[0][i] = rng.float() < scores[0][i] * 0.6 ? 1 : 0;
    labels[1][i] = rng.float() < scores[1][i] * 0.2 ? 1 : 0;
    group[i] = rng.int(50);
  }
  const cut = Float64Array.from(fused).sort()[Math.floor(n * 0.9)];
  for (let i = 0; i < n; i++) labels[2][i] = fused[i] > cut ? 1 : 0;
  return { source: 'planted', rows: n, scores, labels, group };
}

const options = fuseOptions;

function fusedAuc(s: ScoreSplit, w: Record<string, number>, task: number, product = false): number {
  const f = new Float64Array(s.rows);
  for (let i = 0; i < s.rows; i++) {
    let v = product ? 1 : 0;
    TASKS.forEach((t, k) => {
      v = product ? v * Math.pow(Math.max(s.scores[k][i], 1e-12), w[t]) : v + w[t] * s.scores[k][i];
    });
    f[i] = v;
  }
  return auc(f, s.labels[task]);
}

describe('grid', () => {
  it('visits exactly the 11^T combinations of the baseline', () => {
    for (const T of [1, 2, 3, 4]) {
      const pts = gridPoints(T, 0.1);
      expect(pts.length).toBe(11 ** T);
      expect(new Set(pts.map((p) => p.join())).size).toBe(11 ** T);
      expect(pts.every((p) => p.every((w) => Number.isInteger(w * 10) && w >= 0 && w <= 1))).toBe(true);
    }
    expect(gridPoints(2, 0.25).length).toBe(25);
  });

  it('finds the planted combination, scoring each ranking once and counting all 1331 combinations', async () => {
    const s = planted(4000, 1);
    const r = await fuse(TASKS, s, undefined, options());
    expect(r.combinations).toBe(1331);
    // distinct directions, counted independently: normalise each non-zero grid point by its sum
    const directions = new Set(
      gridPoints(3, 0.1).map((p) => {
        const z = p.reduce((a, b) => a + b, 0);
        return z ? p.map((x) => (x / z).toFixed(9)).join() : 'zero';
      }),
    );
    expect(r.evaluated).toBe(directions.size);
    expect(r.best.weights).toEqual({ click: 0.3, cart: 0.5, order: 0.2 });
    expect(r.best.objective).toBe(1);
    expect(r.top).toHaveLength(10);
    // reported per-task AUCs are the exact AUCs of the fused score
    for (const c of r.top.slice(0, 3))
      TASKS.forEach((_, t) => expect(c.aucs[TASKS[t]]).toBeCloseTo(fusedAuc(s, c.weights, t), 9));
    // a direction and its multiples share one entry: equivalent lists every other grid multiple
    const dir = (w: number[]) => {
      const z = w.reduce((a, b) => a + b, 0);
      return w.map((x) => (x / z).toFixed(9)).join();
    };
    for (const c of r.top) {
      const w = TASKS.map((t) => c.weights[t]);
      const multiples = gridPoints(3, 0.1).filter((p) => p.some((x) => x > 0) && dir(p) === dir(w));
      expect(c.equivalent.length + 1).toBe(multiples.length);
    }
    expect(r.heatmap?.values).toHaveLength(11);
    expect(r.heatmap?.values[5][3]).toBe(1); // cart 0.5 (row), click 0.3 (column), order fixed at 0.2
    // each task's own-score AUC (scored by the pool) is exactly the sort-based AUC
    TASKS.forEach((task, t) => expect(r.base.valid[task]).toBe(auc(s.scores[t], s.labels[t])));
  });

  it('respects constraints: the chosen weights keep click AUC within 0.005 of its own score, and are the best such', async () => {
    const s = planted(1500, 2);
    const c = parseConstraint('auc(click) >= base(click) - 0.005');
    const r = await fuse(TASKS, s, undefined, options({ constraints: [c] }));
    const base = auc(s.scores[0], s.labels[0]);
    expect(r.base.valid.click).toBe(base);
    expect(fusedAuc(s, r.best.weights, 0)).toBeGreaterThanOrEqual(base - 0.005);
    expect(r.best.objective).toBeLessThan(1); // the planted best violates it
    let bestFeasible = -1;
    for (const p of gridPoints(3, 0.1)) {
      const w = { click: p[0], cart: p[1], order: p[2] };
      if (fusedAuc(s, w, 0) >= base - 0.005) bestFeasible = Math.max(bestFeasible, fusedAuc(s, w, 2));
    }
    expect(r.best.objective).toBeCloseTo(bestFeasible, 12);
    expect(r.top.filter((t) => t.feasible).every((t) => t.aucs.click >= base - 0.005)).toBe(true);
  });

  it('never chooses all-zero weights (a constant score) even when every real ranking scores below 0.5', async () => {
    const s = planted(2000, 11);
    // Reversed scores: every fusion with a positive weight ranks order positives last (AUC < 0.5).
    s.scores = s.scores.map((col) => col.map((v) => 1 - v));
    const r = await fuse(TASKS, s, undefined, options());
    expect(Object.values(r.best.weights).some((w) => w > 0)).toBe(true);
    expect(r.best.objective).toBeLessThan(0.5);
  });
  it('product form ranks by Π p^w', async () => {
    const s = planted(2000, 3);
    const r = await fuse(TASKS, s, undefined, options({ form: 'product', step: 0.25 }));
    expect(r.combinations).toBe(125);
    for (const c of r.top.slice(0, 4)) expect(c.objective).toBeCloseTo(fusedAuc(s, c.weights, 2, true), 9);
    const worse = gridPoints(3, 0.25).map((p) => fusedAuc(s, { click: p[0], cart: p[1], order: p[2] }, 2, true));
    expect(r.best.objective).toBeCloseTo(Math.max(...worse), 9);
  });

  it('gives identical results on 1 and 2 threads', async () => {
    const s = planted(1500, 4);
    const strip = (r: Awaited<ReturnType<typeof fuse>>) => ({ ...r, seconds: 0, threads: 0 });
    const one = await fuse(TASKS, s, undefined, options({ objective: parseObjective('weighted-auc:click=1,order=2') }));
    const two = await fuse(
      TASKS,
      s,
      undefined,
      options({ objective: parseObjective('weighted-auc:click=1,order=2'), threads: 2 }),
    );
    expect(two.threads).toBe(2);
    expect(strip(two)).toEqual(strip(one));
  });
});

describe('objectives and other searches', () => {
  it('GAUC objective equals metrics gauc of the fused score', async () => {
    const s = planted(3000, 5);
    const r = await fuse(TASKS, s, undefined, options({ objective: parseObjective('gauc:order'), step: 0.5 }));
    const w = r.best.weights;
    const f = Float64Array.from(
      { length: s.rows },
      (_, i) => w.click * s.scores[0][i] + w.cart * s.scores[1][i] + w.order * s.scores[2][i],
    );
    expect(r.best.objective).toBeCloseTo(gauc(f, s.labels[2], s.group!), 12);
  });

  it('coordinate ascent and random search reach the planted optimum region; refine never worsens the grid', async () => {
    const s = planted(3000, 6);
    const coord = await fuse(TASKS, s, undefined, options({ search: 'coordinate' }));
    expect(coord.best.objective).toBeGreaterThan(0.995);
    const rand = await fuse(TASKS, s, undefined, options({ search: 'random', samples: 300, refine: true }));
    expect(rand.best.objective).toBeGreaterThan(0.99);
    const grid = await fuse(TASKS, s, undefined, options({ step: 0.5 }));
    const refined = await fuse(TASKS, s, undefined, options({ step: 0.5, refine: true }));
    expect(refined.best.objective).toBeGreaterThanOrEqual(grid.best.objective);
    expect(refined.combinations).toBeGreaterThan(grid.combinations);
  });

  it('reports the chosen weights on the test split', async () => {
    const valid = planted(2000, 7),
      test = planted(2000, 8);
    const r = await fuse(TASKS, valid, test, options({ step: 0.5 }));
    expect(r.best.test).toBeCloseTo(fusedAuc(test, r.best.weights, 2), 12);
    expect(r.base.test?.click).toBe(auc(test.scores[0], test.labels[0]));
  });

  it('rejects unknown tasks and malformed specs with clear errors', async () => {
    const s = planted(500, 9);
    await expect(fuse(TASKS, s, undefined, options({ objective: parseObjective('auc:like') }))).rejects.toThrow(
      /unknown task 'like'/,
    );
    expect(() => parseObjective('best')).toThrow(/objective 'best'/);
    // A name one typo away from a valid one is suggested, the same way as a mistyped config key.
    await expect(fuse(TASKS, s, undefined, options({ objective: parseObjective('auc:ordr') }))).rejects.toThrow(
      "unknown task 'ordr' (did you mean 'order'?)",
    );
    expect(() => parseObjective('acu:order')).toThrow("unknown type 'acu' (did you mean 'auc'?)");
    expect(() => parseForm('linaer')).toThrow("unknown form 'linaer' (did you mean 'linear'?)");
    expect(() => searchNamed('gird')).toThrow("unknown search 'gird' (did you mean 'grid'?)");
    expect(() => searchNamed('bayes')).toThrow(/unknown search 'bayes' \(expected grid/);
    expect(() => parseConstraint('auc(click) > 3')).toThrow(/constraint/);
    expect(parseConstraint('auc(click) >= base(click) - 0.005')).toMatchObject({
      task: 'click',
      op: '>=',
      base: 'click',
      offset: -0.005,
    });
    expect(parseConstraint('auc(cart)<=0.9')).toMatchObject({ task: 'cart', op: '<=', offset: 0.9 });
    await expect(fuse(TASKS, s, undefined, options({ step: 0.3 }))).rejects.toThrow(/must divide 1/);
  });
});
