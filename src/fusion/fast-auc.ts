/**
 * Exact midrank AUC of a fused score a·X + b·Y + c·Z for one task, in one pass over the rows — the hot loop of
 * the search. The fused score is computed on the fly (never written out), in the same order as fuseInto, so the
 * numbers are bit-identical to it; a materialised score f is scored as 1·f + 0·f + 0·f.
 *
 * A comparison sort per combination is too slow at a million rows. Instead only the positives are sorted (they
 * are few for the rare tasks that matter) and indexed by a bucket table, and each row finds its place among them
 * with one table lookup. The bucket of a score is taken from the top bits of its IEEE-754 pattern (mapped so the
 * integer order is the numeric order), i.e. a logarithmic histogram that stays fine where probabilities crowd
 * near 0. That map is monotone, so every positive in a higher bucket is strictly above the row — counted from the
 * table — and only the positives sharing the row's bucket are compared value by value (ties count ½). Rows below
 * or above every positive are settled by one comparison. The result is the exact Mann–Whitney count, equal to a
 * full sort's midrank AUC (a constant score gives exactly 0.5).
 *
 * All rows are counted as if negative; the positives' own contribution is exactly P²/2 (each positive pair counts
 * 1 in total, each positive ties itself for ½) and is subtracted, which saves reading the labels. Scores are
 * made +0 rather than −0 (x + 0), since the two are equal but have different bit patterns.
 */

const MIN_BUCKETS = 1 << 10;
const MAX_BUCKETS = 1 << 18;

/** Buckets for a task with `positives` positives: about 16 per positive, so few rows share a positive's bucket. */
function bucketsFor(positives: number): number {
  let b = MIN_BUCKETS;
  while (b < MAX_BUCKETS && b < positives * 16) b <<= 1;
  return b;
}

export interface TaskRows {
  /** 0/1 label per row. */
  labels: Uint8Array;
  /** Indices of the rows whose label is 1, ascending. */
  positives: Uint32Array;
}

export class FastAuc {
  private readonly start: Uint32Array;
  private readonly posValues: Float64Array;
  /** One double and its two 32-bit halves, to read a score's bit pattern. */
  private readonly bits = new Float64Array(1);
  private readonly words = new Int32Array(this.bits.buffer);

  constructor(readonly rows: number, maxPositives: number) {
    this.start = new Uint32Array(bucketsFor(maxPositives) + 3);
    this.posValues = new Float64Array(Math.max(1, maxPositives));
  }

  /** AUC of the materialised score `s` (as 1·s + 0·s + 0·s). */
  auc(s: Float64Array, task: TaskRows): number {
    return this.aucOf(1, s, 0, s, 0, s, task);
  }

  /** AUC of a·X + b·Y + c·Z for the task's labels; at most `maxPositives` positives, both classes present. */
  aucOf(a: number, X: Float64Array, b: number, Y: Float64Array, c: number, Z: Float64Array, task: TaskRows): number {
    const n = this.rows, positives = task.positives, P = positives.length;
    const pos = this.posValues.subarray(0, P);
    for (let k = 0; k < P; k++) { const r = positives[k]; pos[k] = a * X[r] + b * Y[r] + c * Z[r] + 0; }
    pos.sort();
    const lo = pos[0], hi = pos[P - 1];
    const keyLo = this.keyOf(lo), B = bucketsFor(P), start = this.start;
    let shift = 0;
    while ((this.keyOf(hi) - keyLo) / 2 ** shift >= B) shift++;
    const base = keyLo >> shift; // d = floor(key / 2^shift) − base is monotone in key and lies in [0, B]
    // start[d + 1] = first positive (in sorted order) in bucket d, start[d + 2] = one past its last.
    start.fill(0, 0, B + 3);
    for (let k = 0; k < P; k++) start[(this.keyOf(pos[k]) >> shift) - base + 2]++;
    for (let k = 0; k <= B + 1; k++) start[k + 1] += start[k];
    const { bits, words } = this;
    let wins = 0;
    for (let i = 0; i < n; i++) {
      const v = a * X[i] + b * Y[i] + c * Z[i] + 0;
      if (v < lo) { wins += P; continue; }
      if (v > hi) continue;
      bits[0] = v;
      const w = words[1];
      const bucket = ((w ^ ((w >> 31) & 0x7fffffff)) >> shift) - base + 1;
      const s0 = start[bucket], s1 = start[bucket + 1];
      wins += P - s1;
      if (s1 === s0) continue;
      if (s1 - s0 <= 4) {
        for (let k = s0; k < s1; k++) { const p = pos[k]; if (p > v) wins += 1; else if (p === v) wins += 0.5; }
      } else {
        const above = upperBound(pos, s0, s1, v), atOrAbove = lowerBound(pos, s0, s1, v);
        wins += (s1 - above) + 0.5 * (above - atOrAbove);
      }
    }
    return (wins - (P * P) / 2) / (P * (n - P));
  }

  /** Signed 32-bit key from the high word of a double whose integer order is the numeric order. */
  private keyOf(v: number): number {
    this.bits[0] = v;
    const w = this.words[1];
    return w ^ ((w >> 31) & 0x7fffffff);
  }
}

/** First index in a[lo, hi) with a[i] > v. */
function upperBound(a: Float64Array, lo: number, hi: number, v: number): number {
  while (lo < hi) { const m = (lo + hi) >>> 1; if (a[m] <= v) lo = m + 1; else hi = m; }
  return lo;
}

/** First index in a[lo, hi) with a[i] >= v. */
function lowerBound(a: Float64Array, lo: number, hi: number, v: number): number {
  while (lo < hi) { const m = (lo + hi) >>> 1; if (a[m] < v) lo = m + 1; else hi = m; }
  return lo;
}

/** Row indices whose label is 1. */
export function positiveRows(labels: Uint8Array): Uint32Array {
  let p = 0;
  for (let i = 0; i < labels.length; i++) p += labels[i] ? 1 : 0;
  const out = new Uint32Array(p);
  for (let i = 0, k = 0; i < labels.length; i++) if (labels[i]) out[k++] = i;
  return out;
}
