import { describe, expect, it } from 'vitest';
import { fuse, gridPoints, parseObjective, type ScoreSplit } from '../../src/fusion/index.js';
import { parseConstraint } from '../../src/fusion/constraints.js';
import { aucHalfWidth, deployAdvice, formulaText, normaliseWeights } from '../../src/fusion/deploy.js';
import { parsePick } from '../../src/fusion/run.js';
import { auc } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';
import { fuseOptions } from './options.js';

const TASKS = ['click', 'cart', 'order'];

/** Continuous scores; each label follows a different mix, so the tasks trade off against each other. */
function tradeOff(n: number, seed: number, orderRate = 0.05): ScoreSplit {
  const rng = new Rng(seed);
  const scores = TASKS.map(() => new Float64Array(n));
  const labels = TASKS.map(() => new Uint8Array(n));
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 3; t++) scores[t][i] = rng.float();
    labels[0][i] = rng.float() < 0.8 * scores[0][i] - 0.2 * scores[2][i] + 0.2 ? 1 : 0;
    labels[1][i] = rng.float() < 0.3 * scores[1][i] + 0.1 * scores[0][i] ? 1 : 0;
    labels[2][i] = rng.float() < orderRate * 2 * (0.3 * scores[0][i] + 0.2 * scores[1][i] + 0.5 * scores[2][i]) ? 1 : 0;
  }
  return { source: 'trade-off', rows: n, scores, labels };
}

const options = fuseOptions;

/** Every task's AUC of Σ w·s, by the sort-based metric — the independent computation. */
function aucsOf(s: ScoreSplit, w: readonly number[]): number[] {
  const f = new Float64Array(s.rows);
  for (let i = 0; i < s.rows; i++) f[i] = w[0] * s.scores[0][i] + w[1] * s.scores[1][i] + w[2] * s.scores[2][i];
  return s.labels.map((y) => auc(f, y));
}

const direction = (w: readonly number[]): string => {
  const z = w.reduce((a, b) => a + b, 0);
  return z ? w.map((x) => (x / z).toFixed(9)).join() : 'zero';
};

/** Brute force: every grid direction's AUCs, and the ones no other direction dominates (O(n²) definition). */
function bruteForce(s: ScoreSplit) {
  const byDir = new Map<string, { w: number[]; a: number[] }>();
  // the all-zero vector is a constant score (no ranking): not a candidate
  for (const p of gridPoints(3, 0.1))
    if (direction(p) !== 'zero' && !byDir.has(direction(p))) byDir.set(direction(p), { w: p, a: aucsOf(s, p) });
  const all = [...byDir.values()];
  const dominated = (a: number[], b: number[]) => a.every((x, k) => x <= b[k]) && a.some((x, k) => x < b[k]);
  const front = all.filter((p) => !all.some((q) => dominated(p.a, q.a)));
  return { all, front };
}

describe('Pareto front', () => {
  it('is exactly the set of grid directions no other dominates, with every task AUC and test AUC exact', async () => {
    const valid = tradeOff(1500, 1),
      test = tradeOff(1200, 2);
    const r = await fuse(TASKS, valid, test, options());
    const brute = bruteForce(valid);
    const got = new Set(r.pareto!.points.map((p) => direction(TASKS.map((t) => p.weights[t]))));
    // equal AUC vectors keep only one ranking on the front; compare the AUC vectors, which are unique
    const key = (a: number[]) => a.map((x) => x.toFixed(12)).join();
    expect(new Set(r.pareto!.points.map((p) => key(TASKS.map((t) => p.aucs[t]))))).toEqual(
      new Set(brute.front.map((p) => key(p.a))),
    );
    expect(got.size).toBe(r.pareto!.points.length);
    expect(r.pareto!.points.length + r.pareto!.dominated.length).toBe(brute.all.length);
    for (const p of r.pareto!.points.slice(0, 5)) {
      const w = TASKS.map((t) => p.weights[t]);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      aucsOf(test, w).forEach((a, k) => expect(p.test![TASKS[k]]).toBeCloseTo(a, 9));
    }
    // the objective's best is on the front and marked
    expect(r.pareto!.points.filter((p) => p.chosen)).toHaveLength(1);
    expect(r.pareto!.chosenOnFront).toBe(true);
  });

  it('--pick order:2,click:1 is the grid point maximising 2·AUC(order) + AUC(click)', async () => {
    const s = tradeOff(1500, 3);
    const pick = parsePick('order:2,click:1');
    const r = await fuse(TASKS, s, undefined, options({ objective: parseObjective(pick.objective!) }));
    const brute = bruteForce(s);
    const best = Math.max(...brute.all.map((p) => 2 * p.a[2] + p.a[0]));
    expect(r.best.objective).toBeCloseTo(best, 12);
    expect(r.pareto!.points.find((p) => p.chosen)).toBeDefined();
    expect(parsePick('auc(click) >= base(click) - 0.01; auc(cart) >= 0.6').constraints).toEqual([
      'auc(click) >= base(click) - 0.01',
      'auc(cart) >= 0.6',
    ]);
    expect(() => parsePick('order=2')).toThrow(/neither a preference/);
  });
});

describe('default objective (rarest task, others within 0.005 of their own score)', () => {
  it('picks the best feasible grid point by brute force, or the least violation when none is feasible', async () => {
    const s = tradeOff(1500, 4);
    const base = TASKS.map((_, t) => auc(s.scores[t], s.labels[t]));
    const slack = 0.005;
    const constraints = ['click', 'cart'].map((t) => parseConstraint(`auc(${t}) >= base(${t}) - ${slack}`));
    const r = await fuse(TASKS, s, undefined, options({ constraints, relaxConstraints: true }));
    const brute = bruteForce(s).all.map((p) => ({
      ...p,
      margin: Math.min(p.a[0] - base[0], p.a[1] - base[1]) + slack,
    }));
    const feasible = brute.filter((p) => p.margin >= 0);
    if (feasible.length) {
      expect(r.fallback).toBeUndefined();
      expect(r.best.objective).toBeCloseTo(Math.max(...feasible.map((p) => p.a[2])), 12);
    } else {
      expect(r.fallback).toMatch(/smallest violation/);
      expect(Math.min(r.best.aucs.click - base[0], r.best.aucs.cart - base[1]) + slack).toBeCloseTo(
        Math.max(...brute.map((p) => p.margin)),
        12,
      );
    }
    // an impossible constraint: relaxed, the least violation is chosen and said so; strict, an error
    const impossible = [parseConstraint('auc(click) >= 0.99')];
    const relaxed = await fuse(TASKS, s, undefined, options({ constraints: impossible, relaxConstraints: true }));
    expect(relaxed.fallback).toMatch(/no combination satisfies auc\(click\) >= 0.99/);
    expect(relaxed.deploy.warnings[0]).toBe(relaxed.fallback);
    expect(relaxed.best.aucs.click).toBeCloseTo(Math.max(...brute.map((p) => p.a[0])), 12);
    await expect(fuse(TASKS, s, undefined, options({ constraints: impossible }))).rejects.toThrow(/no combination/);
  });
});

describe('deploy advice', () => {
  it('normalises, writes the formula, and warns about zeroed tasks, losses and few positives', () => {
    expect(normaliseWeights({ a: 1, b: 3 })).toEqual({ a: 0.25, b: 0.75 });
    expect(normaliseWeights({ a: 0, b: 0 })).toEqual({ a: 0, b: 0 });
    expect(formulaText('linear', { a: 0.25, b: 0.75, c: 0 })).toBe('score = 0.25·p_a + 0.75·p_b');
    expect(formulaText('product', { a: 0.25, b: 0.75 })).toBe('score = max(p_a, 1e-12)^0.25 · max(p_b, 1e-12)^0.75');
    // Hanley–McNeil by hand: A 0.8, 10 positives, 20 negatives → q1 2/3, q2 32/45, SE² 1.751111/200
    expect(aucHalfWidth(0.8, 10, 20)).toBeCloseTo(
      1.96 * Math.sqrt((0.16 + 9 * (2 / 3 - 0.64) + 19 * (32 / 45 - 0.64)) / 200),
      12,
    );
    const d = deployAdvice({
      form: 'linear',
      tasks: ['click', 'order'],
      weights: { click: 0, order: 0.4 },
      aucs: { valid: { click: 0.6, order: 0.8 }, test: { click: 0.59, order: 0.75 } },
      base: { valid: { click: 0.62, order: 0.8 }, test: { click: 0.6, order: 0.75 } },
      positives: { valid: { click: 5000, order: 300 }, test: { click: 5000, order: 30 } },
      rows: { valid: 50000, test: 50000 },
    });
    expect(d.weights).toEqual({ click: 0, order: 1 });
    expect(d.changes.click.valid).toBeCloseTo(-0.02, 12);
    expect(d.changes.click.test).toBeCloseTo(-0.01, 12);
    expect(d.warnings.some((w) => /click has weight 0/.test(w))).toBe(true);
    expect(d.warnings.some((w) => /click loses 0.0200/.test(w))).toBe(true);
    expect(d.warnings.some((w) => /order: test AUC 0.750 ± 0.\d+ rests on 30 positives/.test(w))).toBe(true);
    expect(d.warnings.some((w) => /order: valid/.test(w))).toBe(false);
    const one = deployAdvice({
      form: 'linear',
      tasks: ['click', 'order'],
      weights: { click: 0.5, order: 0.5 },
      aucs: { valid: { click: 0.6, order: 0.8 } },
      base: { valid: { click: 0.6, order: 0.8 } },
      positives: { valid: { click: 5000, order: 1 } },
      rows: { valid: 50000 },
    });
    expect(one.warnings.some((w) => /order: valid AUC 0.800 ± 0.\d+ rests on 1 positive \(< 100\)/.test(w))).toBe(true);
  });
});
