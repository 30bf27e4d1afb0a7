/**
 * Scores one weight vector: fuse the prepared columns, then the exact AUC of each requested task and optionally
 * the GAUC of one task. One scorer per thread; it owns its scratch memory and only reads the shared columns.
 */
import { FastAuc, positiveRows, type TaskRows } from './fast-auc.js';
import { fuseInto } from './forms.js';
import { GroupAuc } from './group-auc.js';

/** The columns every thread reads (SharedArrayBuffer-backed when workers run). Rows are in grouped order when GAUC is used. */
export interface ScoringData {
  rows: number;
  /** Prepared per-task columns (scores, or log scores for the product form). */
  columns: Float64Array[];
  labels: Uint8Array[];
  /** GAUC segments of the grouped task, when the objective is GAUC. */
  gauc?: { task: number; segments: Uint32Array };
}

/** What to compute for a weight vector: a bit per task whose AUC is needed, plus GAUC when configured. */
export interface ScoreRequest { taskMask: number; withGauc: boolean }

/** Metrics of one combination: aucs[t] (NaN when not requested) and gauc (NaN when not requested). */
export const metricsWidth = (tasks: number): number => tasks + 1;

export class ComboScorer {
  private readonly fused: Float64Array;
  private readonly fast: FastAuc;
  private readonly group: GroupAuc | null;
  private readonly tasks: TaskRows[];

  constructor(private readonly data: ScoringData) {
    this.fused = new Float64Array(data.rows);
    this.tasks = data.labels.map((labels) => ({ labels, positives: positiveRows(labels) }));
    this.fast = new FastAuc(data.rows, Math.max(0, ...this.tasks.map((t) => t.positives.length)));
    this.group = data.gauc ? new GroupAuc(data.rows) : null;
  }

  /** Writes aucs then gauc for `weights` into out[offset …]. */
  score(weights: ArrayLike<number>, request: ScoreRequest, out: Float64Array, offset = 0): void {
    const T = this.data.columns.length;
    const { min, max } = fuseInto(weights, this.data.columns, this.fused);
    for (let t = 0; t < T; t++) {
      out[offset + t] = request.taskMask & (1 << t) ? (max > min ? this.fast.auc(this.fused, this.tasks[t]) : 0.5) : NaN;
    }
    const g = this.data.gauc;
    out[offset + T] = request.withGauc && g && this.group ? this.group.gauc(this.fused, this.data.labels[g.task], g.segments) : NaN;
  }
}
