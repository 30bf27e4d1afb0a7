import { describe, expect, it, vi } from 'vitest';
import { fuse, parseConstraint, parseObjective, type ScoreSplit } from '../../src/fusion/index.js';
import type { FusionResult } from '../../src/fusion/fuse.js';
import { MISSING_LABEL } from '../../src/data/types.js';
import { Rng } from '../../src/util/rng.js';
import { fuseOptions } from './options.js';

/** Worker threads started by the code under test, and the most alive at once (node:worker_threads wrapped). */
const workers = vi.hoisted(() => ({ started: 0, alive: 0, peak: 0 }));
vi.mock('node:worker_threads', async (importOriginal) => {
  const wt = await importOriginal<typeof import('node:worker_threads')>();
  class CountedWorker extends wt.Worker {
    constructor(...args: ConstructorParameters<typeof wt.Worker>) {
      super(...args);
      workers.started++;
      workers.peak = Math.max(workers.peak, ++workers.alive);
      this.once('exit', () => workers.alive--);
    }
  }
  return { ...wt, Worker: CountedWorker };
});

const TASKS = ['click', 'cart', 'order'];
const M = MISSING_LABEL;

/** Three score columns; cart has no label on ~40% of the rows (as if defined only after a click). */
function split(n: number, seed: number): ScoreSplit {
  const rng = new Rng(seed);
  const scores = TASKS.map(() => new Float64Array(n));
  const labels = TASKS.map(() => new Uint8Array(n));
  const group = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 3; t++) scores[t]![i] = rng.float();
    labels[0]![i] = rng.float() < 0.2 + 0.5 * scores[0]![i]! ? 1 : 0;
    labels[1]![i] = rng.float() < 0.4 ? M : rng.float() < 0.1 + 0.4 * scores[1]![i]! * scores[0]![i]! ? 1 : 0;
    labels[2]![i] = rng.float() < 0.05 + 0.3 * scores[2]![i]! * scores[1]![i]! ? 1 : 0;
    group[i] = rng.int(40);
  }
  return { source: 'missing', rows: n, scores, labels, group };
}

/** Brute-force AUC over all (positive, negative) pairs of labelled rows; missing rows never count. */
function bruteAuc(score: ArrayLike<number>, y: Uint8Array): number {
  let wins = 0,
    pairs = 0;
  for (let i = 0; i < y.length; i++)
    if (y[i] === 1)
      for (let j = 0; j < y.length; j++)
        if (y[j] === 0) {
          pairs++;
          wins += score[i]! > score[j]! ? 1 : score[i] === score[j] ? 0.5 : 0;
        }
  return wins / pairs;
}

/** Brute-force GAUC: each group's AUC on its labelled rows, weighted by its labelled row count. */
function bruteGauc(score: Float64Array, y: Uint8Array, g: Int32Array): number {
  let sum = 0,
    weight = 0;
  for (const id of new Set(g)) {
    const rows = [...g.keys()].filter((i) => g[i] === id && y[i] !== M);
    const yy = Uint8Array.from(rows, (i) => y[i]!);
    if (!yy.includes(0) || !yy.includes(1)) continue;
    sum +=
      rows.length *
      bruteAuc(
        Float64Array.from(rows, (i) => score[i]!),
        yy,
      );
    weight += rows.length;
  }
  return sum / weight;
}

const fused = (s: ScoreSplit, w: Record<string, number>) =>
  Float64Array.from({ length: s.rows }, (_, i) => TASKS.reduce((v, t, k) => v + w[t]! * s.scores[k]![i]!, 0));

/** Every figure of the result against the brute force on each task's labelled rows. */
function checkAgainstBrute(r: FusionResult, valid: ScoreSplit, test: ScoreSplit): void {
  TASKS.forEach((t, k) => {
    expect(r.base.valid[t]).toBeCloseTo(bruteAuc(valid.scores[k]!, valid.labels[k]!), 12);
    expect(r.base.test![t]).toBeCloseTo(bruteAuc(test.scores[k]!, test.labels[k]!), 12);
    expect(r.best.aucs[t]).toBeCloseTo(bruteAuc(fused(valid, r.best.weights), valid.labels[k]!), 12);
    expect(r.best.testAucs![t]).toBeCloseTo(bruteAuc(fused(test, r.best.weights), test.labels[k]!), 12);
    for (const c of r.top) expect(c.aucs[t]).toBeCloseTo(bruteAuc(fused(valid, c.weights), valid.labels[k]!), 12);
    for (const p of r.pareto!.points) {
      expect(p.aucs[t]).toBeCloseTo(bruteAuc(fused(valid, p.weights), valid.labels[k]!), 12);
      if (p.test) expect(p.test[t]).toBeCloseTo(bruteAuc(fused(test, p.weights), test.labels[k]!), 12);
    }
  });
  const positives = (y: Uint8Array) => y.filter((v) => v === 1).length;
  TASKS.forEach((t, k) => expect(r.deploy.positives?.valid[t]).toBe(positives(valid.labels[k]!)));
}

describe('fusion with per-task missing labels', () => {
  const valid = split(700, 3),
    test = split(600, 4);

  it("scores a task's AUC, front, constraints and base on its labelled rows only (1 and 2 threads)", async () => {
    const o = {
      objective: parseObjective('auc:cart'),
      constraints: [parseConstraint('auc(click) >= base(click) - 0.05')],
      step: 0.2,
      bootstrap: 50,
    };
    const one = await fuse(TASKS, valid, test, fuseOptions(o));
    checkAgainstBrute(one, valid, test);
    expect(one.best.objective).toBeCloseTo(one.best.aucs.cart!, 12);
    // The constraint is judged on click's AUC (all rows labelled) against its own score's AUC.
    expect(one.best.aucs.click).toBeGreaterThanOrEqual(one.base.valid.click! - 0.05);
    expect(one.bootstrap?.candidates.length).toBeGreaterThan(1);
    const two = await fuse(TASKS, valid, test, fuseOptions({ ...o, threads: 2 }));
    const strip = (r: FusionResult) => ({ ...r, seconds: 0, threads: 0, bootstrapSeconds: undefined });
    expect(strip(two)).toEqual(strip(one));
  });

  it('judges a constraint on the task with missing labels by its labelled-row AUC', async () => {
    const o = fuseOptions({
      objective: parseObjective('auc:order'),
      constraints: [parseConstraint('auc(cart) >= base(cart) - 0.01')],
      step: 0.2,
    });
    const r = await fuse(TASKS, valid, test, o);
    checkAgainstBrute(r, valid, test);
    const bound = bruteAuc(valid.scores[1]!, valid.labels[1]!) - 0.01;
    for (const c of r.top) expect(c.feasible).toBe(bruteAuc(fused(valid, c.weights), valid.labels[1]!) >= bound);
    expect(r.top.some((c) => !c.feasible) || r.best.aucs.cart! >= bound).toBe(true);
  });

  it('equals fusing on the labelled rows when every task is labelled there', async () => {
    // On the rows where cart has a label, no task misses one: the same search on that subset must agree.
    const keep = [...valid.labels[1]!.keys()].filter((i) => valid.labels[1]![i] !== M);
    const pick = <A extends Float64Array | Uint8Array | Int32Array>(a: A) => a.filter((_, i) => keep.includes(i)) as A;
    const subset: ScoreSplit = {
      source: 'subset',
      rows: keep.length,
      scores: valid.scores.map(pick),
      labels: valid.labels.map(pick),
      group: pick(valid.group!),
    };
    const onlyCart = (r: FusionResult) => r.top.map((c) => [c.weights, c.aucs.cart]);
    const o = fuseOptions({ objective: parseObjective('auc:cart'), step: 0.25 });
    expect(onlyCart(await fuse(TASKS, valid, undefined, o))).toEqual(onlyCart(await fuse(TASKS, subset, undefined, o)));
  });

  it("GAUC objective on the task with missing labels: groups' labelled rows only", async () => {
    const r = await fuse(TASKS, valid, undefined, fuseOptions({ objective: parseObjective('gauc:cart'), step: 0.5 }));
    const f = fused(valid, r.best.weights);
    expect(r.best.objective).toBeCloseTo(bruteGauc(f, valid.labels[1]!, valid.group!), 12);
    expect(r.best.gauc).toBeCloseTo(r.best.objective, 12);
    expect(r.best.aucs.order).toBeCloseTo(bruteAuc(f, valid.labels[2]!), 12);
  });

  it('weighted AUC over a task with missing labels: exact terms, and no bootstrap (the point-best is kept)', async () => {
    const o = fuseOptions({ objective: parseObjective('weighted-auc:cart=1,order=2'), step: 0.25, bootstrap: 30 });
    const r = await fuse(TASKS, valid, undefined, o);
    const f = fused(valid, r.best.weights);
    expect(r.best.objective).toBeCloseTo(bruteAuc(f, valid.labels[1]!) + 2 * bruteAuc(f, valid.labels[2]!), 12);
    expect(r.bootstrap).toBeUndefined();
  });

  it('two tasks with missing labels share the configured threads (not 3 pools × 2), with unchanged results', async () => {
    // order also loses its label on ~30% of the rows: the valid split has 1 shared and 2 compacted data sets
    const alsoOrder = (s: ScoreSplit, seed: number): ScoreSplit => {
      const rng = new Rng(seed);
      return { ...s, labels: [s.labels[0]!, s.labels[1]!, s.labels[2]!.map((y) => (rng.float() < 0.3 ? M : y))] };
    };
    const v2 = alsoOrder(valid, 5),
      t2 = alsoOrder(test, 6);
    const o = {
      objective: parseObjective('gauc:order'),
      constraints: [parseConstraint('auc(cart) >= base(cart) - 0.05')],
      step: 0.2,
    };
    expect(workers.alive).toBe(0); // earlier tests' pools are closed
    workers.started = workers.peak = 0;
    const one = await fuse(TASKS, v2, t2, fuseOptions(o));
    expect(workers.started).toBe(0); // one thread scores inline
    const two = await fuse(TASKS, v2, t2, fuseOptions({ ...o, threads: 2 }));
    // 2 for the search on valid, then 2 for the test split once those stopped (was 6 + 6, 12 at once)
    expect(workers.started).toBe(4);
    expect(workers.peak).toBe(2);
    const strip = (r: FusionResult) => ({ ...r, seconds: 0, threads: 0, bootstrapSeconds: undefined });
    expect(strip(two)).toEqual(strip(one));
    checkAgainstBrute(two, v2, t2);
    expect(two.best.objective).toBeCloseTo(bruteGauc(fused(v2, two.best.weights), v2.labels[2]!, v2.group!), 12);
  });

  it('refuses a task without any labelled row', async () => {
    const none = { ...valid, labels: [valid.labels[0]!, new Uint8Array(valid.rows).fill(M), valid.labels[2]!] };
    await expect(fuse(TASKS, none, undefined, fuseOptions())).rejects.toThrow(/task 'cart' has no labelled row/);
  });
});
