/**
 * Per-task missing labels (y = MISSING_LABEL in the predictions file) in the fusion objective. The AUC kernel is
 * left alone: a task with missing labels is scored on its own compacted split — the rows where it has a label —
 * by its own scorer pool, while the tasks without missing labels keep the shared all-task pass. The pools share one
 * set of worker threads (pool.ts createPools), so M such tasks start the configured thread count, not M + 1 times
 * it. Without any missing label the plain pool is used, so nothing changes (and nothing slows down).
 */
import { MISSING_LABEL } from '../data/types.js';
import { auc } from '../metrics/auc.js';
import type { ScoreSplit } from './fuse.js';
import type { ScorerPool } from './pool.js';
import type { ScoreRequest, ScoringData } from './scorer.js';

/** Indices of the rows where `labels` has a label, or null when every row has one. */
export function labelledRows(labels: Uint8Array): Uint32Array | null {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== MISSING_LABEL) n++;
  if (n === labels.length) return null;
  const out = new Uint32Array(n);
  for (let i = 0, k = 0; i < labels.length; i++) if (labels[i] !== MISSING_LABEL) out[k++] = i;
  return out;
}

export function hasMissing(labels: Uint8Array): boolean {
  return labels.includes(MISSING_LABEL);
}

/** Positive labels (missing ones are not positives). */
export function positives(labels: Uint8Array): number {
  let p = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) p++;
  return p;
}

/** Picks `rows` out of a typed array. */
export function pick<A extends Float64Array | Uint8Array | Int32Array>(a: A, rows: Uint32Array): A {
  const out = new (a.constructor as new (n: number) => A)(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = a[rows[k]];
  return out;
}

/** The split restricted to `rows`: every column, label, group and value compacted. */
export function subsetSplit(s: ScoreSplit, rows: Uint32Array): ScoreSplit {
  return {
    source: s.source,
    rows: rows.length,
    scores: s.scores.map((c) => pick(c, rows)),
    labels: s.labels.map((c) => pick(c, rows)),
    ...(s.group ? { group: pick(s.group, rows) } : {}),
    ...(s.value ? { value: pick(s.value, rows) } : {}),
  };
}

/** AUC of `score` on the rows where `labels` has a label. */
export function labelledAuc(score: Float64Array, labels: Uint8Array): number {
  const rows = labelledRows(labels);
  return rows ? auc(pick(score, rows), pick(labels, rows)) : auc(score, labels);
}

/** The task's score, labels and groups on its labelled rows (the arrays themselves when none is missing). */
export function labelledTask(
  score: Float64Array,
  labels: Uint8Array,
  group?: Int32Array,
): { score: Float64Array; labels: Uint8Array; group?: Int32Array } {
  const rows = labelledRows(labels);
  if (!rows) return { score, labels, ...(group ? { group } : {}) };
  return { score: pick(score, rows), labels: pick(labels, rows), ...(group ? { group: pick(group, rows) } : {}) };
}

export interface SplitPoolSetup {
  split: ScoreSplit;
  /**
   * Scoring data for a (sub)split; `slotTask` is the task whose GAUC / value metric the data must carry, or
   * undefined when that slot is computed elsewhere.
   */
  data: (s: ScoreSplit, slotTask: boolean) => ScoringData;
  /** Index of the task the GAUC / value slot belongs to (the objective's task), or -1. */
  slotTask: number;
  threads: number;
  /** One pool per data set, all on the same `threads` threads (closing one closes all). */
  create: (datas: ScoringData[], threads: number) => Promise<ScorerPool[]>;
}

/**
 * A pool that scores each task with missing labels on its labelled rows and the others in one shared pass;
 * the plain pool when no task has a missing label.
 */
export async function splitPool(o: SplitPoolSetup): Promise<ScorerPool> {
  const { split } = o;
  const subsets = split.labels
    .map((y, t) => ({ t, rows: labelledRows(y) }))
    .filter((x): x is { t: number; rows: Uint32Array } => x.rows !== null);
  if (subsets.length === 0) return (await o.create([o.data(split, o.slotTask >= 0)], o.threads))[0]!;
  const missing = new Set(subsets.map((x) => x.t));
  // The shared pass never scores a task with missing labels: its labels there are all 0 (no positive).
  const shared: ScoreSplit = {
    ...split,
    labels: split.labels.map((y, t) => (missing.has(t) ? new Uint8Array(y.length) : y)),
  };
  const [main, ...owned] = (await o.create(
    [
      o.data(shared, o.slotTask >= 0 && !missing.has(o.slotTask)),
      ...subsets.map(({ t, rows }) => o.data(subsetSplit(split, rows), t === o.slotTask)),
    ],
    o.threads,
  )) as [ScorerPool, ...ScorerPool[]];
  const own = new Map(subsets.map(({ t }, k) => [t, owned[k]!]));
  const T = split.labels.length;
  return {
    threads: main.threads,
    async score(batch, request: ScoreRequest, onDone) {
      let mainMask = request.taskMask;
      for (const t of missing) mainMask &= ~(1 << t);
      const slotOwn = request.withGauc && missing.has(o.slotTask);
      const mainRun = main.score(batch, { taskMask: mainMask, withGauc: request.withGauc && !slotOwn }, onDone);
      const ownRuns = [...own].map(([t, pool]) => {
        const wanted = (request.taskMask & (1 << t)) !== 0;
        const slot = slotOwn && t === o.slotTask;
        return wanted || slot
          ? pool.score(batch, { taskMask: wanted ? 1 << t : 0, withGauc: slot }).then((m) => ({ t, m }))
          : undefined;
      });
      const [out, parts] = await Promise.all([mainRun, Promise.all(ownRuns)]);
      for (const part of parts)
        if (part)
          part.m.forEach((m, k) => {
            if (request.taskMask & (1 << part.t)) out[k][part.t] = m[part.t];
            if (slotOwn && part.t === o.slotTask) out[k][T] = m[T];
          });
      return out;
    },
    async close() {
      await Promise.all([main.close(), ...[...own.values()].map((p) => p.close())]);
    },
  };
}
