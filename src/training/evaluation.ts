import { Graph } from '../engine/graph.js';
import { scratch } from '../engine/kernels.js';
import { MISSING_LABEL, type EncodedSplit } from '../data/types.js';
import type { MultiTaskModel } from '../models/model.js';
import { auc, gauc, logloss, hasBothClasses } from '../metrics/index.js';
import { gatherBatch, ranges } from './batches.js';
import { taskProbabilities } from './loss.js';
import { MtrankError } from '../util/errors.js';

export interface TaskMetrics {
  auc: number;
  logloss: number;
  gauc: number;
  meanPred: number;
  labelRate: number;
}
export type SplitMetrics = Record<string, TaskMetrics>;

const EVAL_BATCH = 4096;

/** Predicted probability per task (in task order) for the rows of a split (all of them, or `rows`). */
export function predictSplit(model: MultiTaskModel, split: EncodedSplit, rows?: Int32Array): Float32Array[] {
  const n = rows?.length ?? split.rows,
    T = model.tasks.length;
  const out = model.tasks.map(() => new Float32Array(n));
  const idx = new Int32Array(EVAL_BATCH);
  for (const [s, e] of ranges(n, EVAL_BATCH)) {
    const g = new Graph({ training: false });
    const batchIdx = idx.subarray(0, e - s);
    for (let i = s; i < e; i++) batchIdx[i - s] = rows ? rows[i]! : i;
    const logits = model.forward(g, gatherBatch(split, batchIdx, [], scratch)).logits;
    const Z = scratch.f32((e - s) * T);
    logits.forEach((l, t) => {
      for (let i = 0; i < e - s; i++) Z[i * T + t] = l.data[i]!;
    });
    taskProbabilities(Z, e - s, model.chains, out, s);
  }
  return out;
}

/**
 * AUC, logloss, GAUC (by the split's group feature), mean prediction and label rate per task, over the rows
 * where the task has a label (MISSING_LABEL rows are left out of that task's metrics). A metric that is
 * undefined on this data (one class only; no group with both classes) is NaN, logged as null.
 */
export function scoreSplit(
  tasks: readonly string[],
  probs: readonly Float32Array[],
  labels: readonly Uint8Array[],
  group?: Int32Array,
): SplitMetrics {
  const out: SplitMetrics = {};
  tasks.forEach((task, t) => {
    const { p, y, g: grp } = labelledRows(probs[t]!, labels[t]!, group);
    const both = hasBothClasses(y);
    let g = NaN;
    if (grp && both) {
      try {
        g = gauc(p, y, grp);
      } catch {
        g = NaN;
      }
    }
    out[task] = {
      auc: both ? auc(p, y) : NaN,
      logloss: logloss(p, y),
      gauc: g,
      meanPred: mean(p),
      labelRate: mean(y),
    };
  });
  return out;
}

/** The rows of one task that carry a label (all of them, without copying, when none is missing). */
function labelledRows(p: Float32Array, y: Uint8Array, group?: Int32Array) {
  if (!y.includes(MISSING_LABEL)) return { p, y, g: group };
  const keep: number[] = [];
  for (let i = 0; i < y.length; i++) if (y[i] !== MISSING_LABEL) keep.push(i);
  return {
    p: Float32Array.from(keep, (i) => p[i]!),
    y: Uint8Array.from(keep, (i) => y[i]!),
    g: group && Int32Array.from(keep, (i) => group[i]!),
  };
}

/** Labels of `rows` of a split, per task. */
export function labelsOf(split: EncodedSplit, tasks: readonly string[], rows?: Int32Array): Uint8Array[] {
  return tasks.map((t) => {
    const y = split.labels[t]!;
    if (!rows) return y;
    const out = new Uint8Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]!]!;
    return out;
  });
}

export function evaluateSplit(
  model: MultiTaskModel,
  split: EncodedSplit,
  rows?: Int32Array,
  name = 'evaluation',
): { probs: Float32Array[]; metrics: SplitMetrics } {
  const probs = predictSplit(model, split, rows);
  probs.forEach((p, t) => {
    const bad = p.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0)
      throw new MtrankError(
        `the model predicts ${p[bad]} for task '${model.tasks[t]}' on row ${rows ? rows[bad] : bad} of the ${name} split (non-finite input features or weights)`,
      );
  });
  let group = split.group;
  if (group && rows) group = Int32Array.from(rows, (r) => split.group![r]!);
  return { probs, metrics: scoreSplit(model.tasks, probs, labelsOf(split, model.tasks, rows), group) };
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return a.length ? s / a.length : NaN;
}
