/**
 * Scores one weight vector: fuse the prepared columns, then the exact AUC of each requested task and optionally
 * the GAUC of one task. One scorer per thread; it owns its scratch memory and only reads the shared columns.
 * With a kernel memory (the columns placed in it by the pool) the row pass runs in wasm, else in JavaScript;
 * both give bit-identical results.
 */
import { FastAuc, positiveRows, type TaskRows } from './fast-auc.js';
import { fuseInto } from './forms.js';
import { GroupAuc } from './group-auc.js';
import { MAX_GROUP, WasmAuc, taskGroup, unionPositives, type KernelMemory, type TaskGroup } from './wasm-auc.js';
import { ValueMetric, type ValueMetricData } from './value-metric.js';

/** The columns every thread reads (SharedArrayBuffer-backed when workers run). Rows are in grouped order when GAUC is used. */
export interface ScoringData {
  rows: number;
  /** Prepared per-task columns (scores, or log scores for the product form). */
  columns: Float64Array[];
  labels: Uint8Array[];
  /** GAUC segments of the grouped task, when the objective is GAUC. */
  gauc?: { task: number; segments: Uint32Array };
  /** A term added with weight 1 to every fused score (the expected-value form's log value), when the form has one. */
  offset?: Float64Array;
  /** The objective's value metric (value-weighted AUC, NDCG per group), computed into the GAUC slot. */
  valueMetric?: ValueMetricData;
  /** Set when `columns` are views of this wasm memory (see placeColumns): the row pass then runs in wasm. */
  kernel?: KernelMemory;
}

/** What to compute for a weight vector: a bit per task whose AUC is needed, plus GAUC when configured. */
export interface ScoreRequest {
  taskMask: number;
  withGauc: boolean;
}

/** Metrics of one combination: aucs[t] (NaN when not requested) and gauc (NaN when not requested). */
export const metricsWidth = (tasks: number): number => tasks + 1;

export class ComboScorer {
  private readonly fused: Float64Array;
  private readonly fast: FastAuc | WasmAuc;
  private readonly group: GroupAuc | null;
  private readonly value: ValueMetric | null;
  private readonly tasks: TaskRows[];
  /** Task groups per requested task mask (wasm: all tasks of a group in one pass). */
  private readonly groups = new Map<number, TaskGroup[]>();

  constructor(private readonly data: ScoringData) {
    this.tasks = data.labels.map((labels) => ({ labels, positives: positiveRows(labels) }));
    const maxPositives = Math.max(0, ...this.tasks.map((t) => t.positives.length));
    if (data.kernel) {
      const wasm = new WasmAuc(
        data.kernel,
        data.rows,
        Math.max(maxPositives, unionPositives(data.labels)),
        data.columns.length,
      );
      this.fast = wasm;
      this.fused = wasm.column; // materialised scores must live in the kernel's memory too
    } else {
      this.fast = new FastAuc(data.rows, maxPositives);
      this.fused = new Float64Array(data.rows);
    }
    this.group = data.gauc ? new GroupAuc(data.rows) : null;
    this.value = data.valueMetric ? new ValueMetric(data.valueMetric) : null;
  }

  /** Writes aucs then gauc for `weights` into out[offset …]. */
  score(weights: ArrayLike<number>, request: ScoreRequest, out: Float64Array, offset = 0): void {
    const { columns, gauc } = this.data,
      T = columns.length;
    const withGauc = request.withGauc && gauc !== undefined && this.group !== null;
    const withValue = request.withGauc && this.value !== null;
    const fixed = this.data.offset;
    const nonZero: number[] = [];
    for (let t = 0; t < T; t++) if (weights[t] !== 0) nonZero.push(t);
    // Up to three non-zero terms (the fixed offset counts as one) are fused on the fly inside the AUC pass;
    // otherwise the score is written out.
    const terms = nonZero.length + (fixed ? 1 : 0);
    const onTheFly = terms <= 3 && !withGauc && !withValue;
    if (!onTheFly) {
      fuseInto(weights, columns, this.fused);
      if (fixed) for (let i = 0; i < fixed.length; i++) this.fused[i] = this.fused[i] + fixed[i] + 0;
    }
    const w = [0, 0, 0],
      c = [this.fused, this.fused, this.fused];
    if (onTheFly) {
      nonZero.forEach((t, k) => {
        w[k] = weights[t];
        c[k] = columns[t];
      });
      if (fixed) {
        w[nonZero.length] = 1;
        c[nonZero.length] = fixed;
      }
    } else w[0] = 1;
    if (onTheFly && terms > 0) for (let k = terms; k < 3; k++) c[k] = c[0]; // zero weight: reuse a hot column
    for (let t = 0; t < T; t++) {
      const wanted = (request.taskMask & (1 << t)) !== 0;
      // All weights zero: a constant score, whose midrank AUC is exactly 0.5 (every pair a tie).
      out[offset + t] = !wanted || terms === 0 ? (wanted ? 0.5 : NaN) : -1;
    }
    if (terms > 0) {
      const fast = this.fast;
      if (fast instanceof WasmAuc)
        for (const g of this.groupsOf(request.taskMask))
          fast.aucsOf(w[0], c[0], w[1], c[1], w[2], c[2], g, out, offset);
      else
        for (let t = 0; t < T; t++)
          if (request.taskMask & (1 << t))
            out[offset + t] = fast.aucOf(w[0], c[0], w[1], c[1], w[2], c[2], this.tasks[t]);
    }
    out[offset + T] = withGauc
      ? this.group!.gauc(this.fused, this.data.labels[gauc!.task], gauc!.segments)
      : withValue
        ? this.value!.of(this.fused)
        : NaN;
  }

  /** The requested tasks in groups of up to MAX_GROUP, in task order (built once per mask). */
  private groupsOf(mask: number): TaskGroup[] {
    let g = this.groups.get(mask);
    if (!g) {
      const wanted = this.tasks.map((_, t) => t).filter((t) => mask & (1 << t));
      g = [];
      for (let k = 0; k < wanted.length; k += MAX_GROUP)
        g.push(taskGroup(wanted.slice(k, k + MAX_GROUP), this.data.labels, this.data.columns));
      this.groups.set(mask, g);
    }
    return g;
  }
}
