/**
 * Writes a run directory that follows the contract in docs/architecture.md ("Metrics log", "Run directory"),
 * with curves shaped like a real funnel run: clicks keep learning, the sparse order task peaks early and
 * then overfits. Used by the report tests and by the fake trainer of the sweep tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FixtureOptions {
  tasks?: string[];
  steps?: number;
  evalEvery?: number;
  /** Merged into the config (e.g. { tasks: { order: { labelWeight: 100 } } }). */
  config?: Record<string, unknown>;
  /** Added to every AUC, so runs differ in a known way. */
  aucShift?: number;
  /** Step at which the order task peaks on validation. */
  orderPeak?: number;
  fusion?: boolean;
  predictions?: boolean;
  /** Adaptive loss weights (they move over time) instead of static ones. */
  adaptive?: boolean;
  /** Leave out metrics.json (an unfinished run). */
  unfinished?: boolean;
}

export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export function fixtureConfig(tasks: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = {
    seed: 42,
    data: { train: 'data/train.csv', valid: 'data/valid.csv', test: 'data/test.csv' },
    tasks: Object.fromEntries(
      tasks.map((t, i) => [
        t,
        {
          label: `is_${t}`,
          labelWeight: i === 0 ? 'auto' : 10,
          lossWeight: 1,
          ...(i ? { dependsOn: tasks[i - 1] } : {}),
        },
      ]),
    ),
    model: { type: 'shared-bottom', bottom: [64, 32], tower: [16] },
    training: { epochs: 1, batchSize: 256, evalEvery: 100, lossWeighting: { method: 'static' } },
  };
  return deepMerge(base, extra);
}

/** Validation AUC of a task at a step: rises to a plateau; 'order' peaks at `peak` and then declines. */
export function fixtureAuc(task: string, step: number, split: string, shift: number, peak: number): number {
  const learn = 1 - Math.exp(-step / 300);
  const base = { click: 0.72, cart: 0.76, order: 0.8 }[task] ?? 0.7;
  let v = 0.5 + (base - 0.5) * learn + shift;
  if (task === 'order' && split === 'valid' && step > peak) v -= 0.00008 * (step - peak);
  if (split === 'train') v += 0.01 * learn * (task === 'order' ? step / 300 : 1);
  return Math.min(0.999, v);
}

export function writeFixtureRun(dir: string, o: FixtureOptions = {}): void {
  const tasks = o.tasks ?? ['click', 'cart', 'order'];
  const steps = o.steps ?? 1000,
    every = o.evalEvery ?? 100,
    shift = o.aucShift ?? 0,
    peak = o.orderPeak ?? 400;
  const config = fixtureConfig(tasks, o.config);
  mkdirSync(dir, { recursive: true });
  const lines: object[] = [
    { type: 'config', ...config },
    { type: 'labelWeights', weights: Object.fromEntries(tasks.map((t, i) => [t, i === 0 ? 4.5 : 10])) },
  ];
  const best: Record<string, { step: number; auc: number }> = {};
  for (let step = 10; step <= steps; step += 10) {
    lines.push({
      type: 'train',
      step,
      epoch: 0,
      loss: 1 / Math.sqrt(step),
      taskLoss: Object.fromEntries(tasks.map((t, i) => [t, (0.7 - 0.1 * i) / Math.sqrt(step / 10)])),
      lr: 0.001,
    });
    if (step % every) continue;
    const lossWeights = Object.fromEntries(tasks.map((t, i) => [t, o.adaptive ? 1 + 0.3 * i * (step / steps) : 1]));
    for (const split of ['train', 'valid']) {
      const metrics = Object.fromEntries(
        tasks.map((t) => {
          const auc = fixtureAuc(t, step, split, shift, peak);
          return [t, { auc, logloss: 1.2 - auc, gauc: auc - 0.05, meanPred: 0.1, labelRate: 0.08 }];
        }),
      );
      lines.push({ type: 'eval', step, split, tasks: metrics, lossWeights });
      if (split !== 'valid') continue;
      for (const t of tasks) {
        const auc = metrics[t].auc;
        if (!best[t] || auc > best[t].auc) {
          best[t] = { step, auc };
          lines.push({ type: 'best', task: t, step, auc });
        }
      }
    }
  }
  const test = Object.fromEntries(
    tasks.map((t) => [
      t,
      {
        auc: best[t].auc - 0.002,
        logloss: 1.2 - best[t].auc,
        gauc: best[t].auc - 0.05,
        meanPred: 0.1,
        labelRate: 0.08,
      },
    ]),
  );
  lines.push({ type: 'test', tasks: test });
  writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  if (!o.unfinished) {
    const metrics = {
      test: Object.fromEntries(
        Object.entries(test).map(([t, m]) => [t, { auc: m.auc, logloss: m.logloss, gauc: m.gauc }]),
      ),
      bestStep: Object.fromEntries(tasks.map((t) => [t, best[t].step])),
      trainExamplesPerSec: 123456,
      peakRssMb: 321,
    };
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2));
  }
  if (o.fusion) writeFileSync(join(dir, 'fusion.json'), JSON.stringify(fixtureFusion(tasks), null, 2));
  if (o.fusion) writeFileSync(join(dir, 'calibration.json'), JSON.stringify(fixtureCalibration(tasks), null, 2));
  if (o.predictions) writePredictions(dir, tasks);
}

/** A fusion result over an 11×11 grid of the first two tasks' weights, the third fixed. */
export function fixtureFusion(tasks: string[]) {
  const w = Array.from({ length: 11 }, (_, i) => i / 10);
  const objective = (x: number, y: number) => 0.8 - (x - 0.3) ** 2 - (y - 0.6) ** 2;
  const values = w.map((y) => w.map((x) => objective(x, y)));
  const top = [
    {
      weights: { [tasks[0]]: 0.3, [tasks[1]]: 0.6, [tasks[2]]: 1 },
      objective: 0.8,
      aucs: Object.fromEntries(tasks.map((t) => [t, 0.7])),
    },
  ];
  // The shape `mtrank fuse --run` writes (src/fusion/run.ts fusionFile), trimmed to what reports read.
  return {
    form: 'linear',
    weights: top[0].weights,
    search: 'grid',
    objective: { type: 'auc', task: tasks[2], label: `AUC(${tasks[2]})` },
    best: {
      ...top[0],
      feasible: true,
      equivalent: [],
      test: 0.79,
      testAucs: Object.fromEntries(tasks.map((t) => [t, 0.69])),
    },
    base: {
      valid: Object.fromEntries(tasks.map((t) => [t, 0.68])),
      test: Object.fromEntries(tasks.map((t) => [t, 0.67])),
    },
    top,
    deploy: {
      form: 'linear',
      weights: { [tasks[0]]: 0.157895, [tasks[1]]: 0.315789, [tasks[2]]: 0.526316 },
      formula: `score = 0.158·p_${tasks[0]} + 0.316·p_${tasks[1]} + 0.526·p_${tasks[2]}`,
      changes: Object.fromEntries(tasks.map((t, i) => [t, { valid: 0.02, test: i === 0 ? -0.011 : 0.02 }])),
      positives: {
        valid: Object.fromEntries(tasks.map((t, i) => [t, [5000, 600, 40][i]])),
        test: Object.fromEntries(tasks.map((t, i) => [t, [5100, 610, 30][i]])),
      },
      intervals: { test: { [tasks[2]]: { auc: [0.6, 0.78], change: [-0.05, 0.03] } } },
      warnings: [`${tasks[2]}: test AUC 0.690 ± 0.094 rests on 30 positives (< 100); treat its decimals as noise`],
    },
    bootstrap: {
      resamples: 200,
      by: 'group',
      candidates: [
        { weights: top[0].weights, objective: 0.8, lo: 0.74, hi: 0.85, beaten: false, tied: true, cost: 0.02 },
        {
          weights: { ...top[0].weights, [tasks[0]]: 0 },
          objective: 0.79,
          lo: 0.73,
          hi: 0.84,
          beaten: false,
          tied: true,
          cost: 0,
        },
      ],
      chosen: 1,
      reason: 'cheaper',
    },
    // three front points (the first chosen) and two dominated rankings, AUCs per task
    pareto: {
      points: [
        {
          weights: top[0].weights,
          aucs: auc3(tasks, [0.7, 0.7, 0.7]),
          test: auc3(tasks, [0.69, 0.69, 0.69]),
          chosen: true,
        },
        { weights: {}, aucs: auc3(tasks, [0.72, 0.68, 0.66]), test: auc3(tasks, [0.71, 0.67, 0.64]), chosen: false },
        { weights: {}, aucs: auc3(tasks, [0.65, 0.71, 0.72]), test: auc3(tasks, [0.64, 0.7, 0.7]), chosen: false },
      ],
      dominated: [auc3(tasks, [0.6, 0.6, 0.6]), auc3(tasks, [0.69, 0.69, 0.65])],
      chosenOnFront: true,
    },
    heatmap: { x: { task: tasks[0], weights: w }, y: { task: tasks[1], weights: w }, fixed: { [tasks[2]]: 1 }, values },
  };
}

/** calibration.json as `mtrank calibrate` writes it: two reliability bins per stage, ECE 0.3 → 0.01. */
function fixtureCalibration(tasks: string[]) {
  const bins = (p: number[], rate: number[]) => p.map((x, i) => ({ p: x, rate: rate[i], n: 50 }));
  return {
    version: 1,
    fittedOn: 'predictions/valid.csv',
    tasks: Object.fromEntries(
      tasks.map((t) => [
        t,
        {
          labelWeight: 4.5,
          method: 'analytic',
          ece: { split: 'test', before: 0.3, after: 0.01 },
          reliability: { before: bins([0.2, 0.5], [0.01, 0.1]), after: bins([0.01, 0.1], [0.01, 0.12]) },
        },
      ]),
    ),
  };
}

const auc3 = (tasks: string[], a: number[]) => Object.fromEntries(tasks.map((t, i) => [t, a[i]]));

/** predictions/test.csv with item_seen: seen items are ranked perfectly, unseen ones at random order. */
function writePredictions(dir: string, tasks: string[]): void {
  const rows = ['' + [...tasks.map((t) => `p_${t}`), ...tasks.map((t) => `y_${t}`), 'group', 'item_seen'].join(',')];
  for (let i = 0; i < 40; i++) {
    const seen = i < 20 ? 1 : 0,
      y = i % 2;
    const p = seen ? (y ? 0.9 : 0.1) : [0.3, 0.6, 0.6, 0.3][i % 4];
    rows.push([...tasks.map(() => p), ...tasks.map(() => y), i % 5, seen].join(','));
  }
  mkdirSync(join(dir, 'predictions'), { recursive: true });
  writeFileSync(join(dir, 'predictions', 'test.csv'), rows.join('\n') + '\n');
}
