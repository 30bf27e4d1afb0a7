/**
 * Exact midrank AUC of a fused score for one task, in O(n) per score — the hot loop of the search.
 *
 * A comparison sort per combination is too slow at a million rows. Instead the score range [min, max] is cut into
 * B equal buckets (B grows with the task's positive count). The bucket function floor((s − min)·scale) is
 * monotone in s (each rounded floating-point step is), so a negative in a lower bucket is strictly below every
 * positive in a higher one: those pairs come from running counts. Only buckets that hold both a positive and a
 * negative are compared value by value (sorted and merged, ties counting ½), which keeps the result exact —
 * equal to a full sort's midrank AUC — while touching few rows when positives are rare.
 */
import { countWins, sortRange } from '../metrics/pair-count.js';

const MIN_BUCKETS = 1 << 12;
const MAX_BUCKETS = 1 << 20;

/** Buckets for a task with `positives` positives: about 64 per positive, so a mixed bucket holds few rows. */
function bucketsFor(positives: number): number {
  let b = MIN_BUCKETS;
  while (b < MAX_BUCKETS && b < positives * 64) b <<= 1;
  return b;
}

export interface TaskRows {
  /** 0/1 label per row. */
  labels: Uint8Array;
  /** Indices of the rows whose label is 1, ascending. */
  positives: Uint32Array;
}

export class FastAuc {
  private readonly count: Uint32Array;
  private readonly posCount: Uint32Array;
  private readonly negCursor: Uint32Array;
  private readonly posCursor: Uint32Array;
  private readonly mixed: Uint8Array;
  private readonly negValues: Float64Array;
  private readonly posValues: Float64Array;
  private readonly mixedList: Uint32Array;

  constructor(readonly rows: number, maxPositives: number) {
    const B = bucketsFor(maxPositives);
    this.count = new Uint32Array(B); this.posCount = new Uint32Array(B);
    this.negCursor = new Uint32Array(B); this.posCursor = new Uint32Array(B);
    this.mixed = new Uint8Array(B);
    this.negValues = new Float64Array(rows);
    this.posValues = new Float64Array(maxPositives);
    this.mixedList = new Uint32Array(Math.max(1, maxPositives));
  }

  /** AUC of `score` (bounded by min ≤ score ≤ max) for the task's labels; at most `maxPositives` positives, both classes present. */
  auc(score: Float64Array, min: number, max: number, task: TaskRows): number {
    const n = this.rows, labels = task.labels, positives = task.positives, P = positives.length;
    if (!(max > min)) return 0.5; // a constant score ranks nothing
    const B = bucketsFor(P);
    let scale = B / (max - min);
    if (!Number.isFinite(scale)) scale = 1e300; // sub-normal range: stay finite so 0·scale is 0, never NaN
    const top = B - 1;
    const { count, posCount, negCursor, posCursor, mixed, negValues, posValues, mixedList } = this;
    count.fill(0, 0, B);
    posCount.fill(0, 0, B);
    // The bucket expression is repeated inline (not a function) to keep the three loops tight; keep them equal.
    for (let i = 0; i < n; i++) {
      const x = (score[i] - min) * scale;
      count[x >= top ? top : x | 0]++;
    }
    for (let k = 0; k < P; k++) {
      const x = (score[positives[k]] - min) * scale;
      posCount[x >= top ? top : x | 0]++;
    }
    let wins = 0, negBelow = 0, mixedCount = 0, negOffset = 0, posOffset = 0;
    for (let b = 0; b < B; b++) {
      const c = count[b];
      if (c === 0) continue;
      const p = posCount[b], q = c - p;
      if (p > 0) {
        wins += p * negBelow;
        if (q > 0) {
          mixed[b] = 1; mixedList[mixedCount++] = b;
          negCursor[b] = negOffset; negOffset += q;
          posCursor[b] = posOffset; posOffset += p;
        }
      }
      negBelow += q;
    }
    if (mixedCount > 0) {
      for (let i = 0; i < n; i++) {
        if (labels[i]) continue;
        const x = (score[i] - min) * scale;
        const b = x >= top ? top : x | 0;
        if (mixed[b]) negValues[negCursor[b]++] = score[i];
      }
      for (let k = 0; k < P; k++) {
        const v = score[positives[k]];
        const x = (v - min) * scale;
        const b = x >= top ? top : x | 0;
        if (mixed[b]) posValues[posCursor[b]++] = v;
      }
      // After the fills each cursor sits at the end of its segment; segments follow bucket order.
      let negStart = 0, posStart = 0;
      for (let m = 0; m < mixedCount; m++) {
        const b = mixedList[m], negEnd = negCursor[b], posEnd = posCursor[b];
        sortRange(negValues, negStart, negEnd);
        sortRange(posValues, posStart, posEnd);
        wins += countWins(posValues, posStart, posEnd, negValues, negStart, negEnd);
        negStart = negEnd; posStart = posEnd;
        mixed[b] = 0;
      }
    }
    return wins / (P * (n - P));
  }
}

/** Row indices whose label is 1. */
export function positiveRows(labels: Uint8Array): Uint32Array {
  let p = 0;
  for (let i = 0; i < labels.length; i++) p += labels[i] ? 1 : 0;
  const out = new Uint32Array(p);
  for (let i = 0, k = 0; i < labels.length; i++) if (labels[i]) out[k++] = i;
  return out;
}
