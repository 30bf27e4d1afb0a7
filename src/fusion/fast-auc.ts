/**
 * Exact midrank AUC of a fused score for one task, in one pass over the rows — the hot loop of the search.
 *
 * A comparison sort per combination is too slow at a million rows. Instead only the positives are sorted (they
 * are few for the rare tasks that matter) and indexed by a bucket table, and each row finds its place among them
 * with one table lookup. The bucket of a score is taken from the top bits of its IEEE-754 pattern (mapped so the
 * integer order is the numeric order), i.e. a logarithmic histogram that stays fine where probabilities crowd
 * near 0. That map is monotone, so every positive in a higher bucket is strictly above the row — counted from the
 * table — and only the positives sharing the row's bucket are compared value by value (ties count ½). Rows
 * below or above every positive land in empty sentinel buckets, so the loop has no data-dependent branch. The result is the exact Mann–Whitney count,
 * equal to a full sort's midrank AUC.
 *
 * All rows are counted as if negative; the positives' own contribution is exactly P²/2 (each positive pair counts
 * 1 in total, each positive ties itself for ½) and is subtracted, which saves reading the labels.
 * Scores must not contain −0 (fuseInto writes +0), since −0 and +0 are equal but have different bit patterns.
 */

const MIN_BUCKETS = 1 << 12;
const MAX_BUCKETS = 1 << 18;

/** Buckets for a task with `positives` positives: about 64 per positive, so few rows share a positive's bucket. */
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

/** Order-preserving 32-bit key from the high word of a double: flip all bits of negatives, the sign bit of the rest. */
const orderedKey = (highWord: number): number => (highWord ^ ((highWord >> 31) | 0x80000000)) >>> 0;

export class FastAuc {
  private readonly start: Uint32Array;
  private readonly posValues: Float64Array;
  private readonly word = new Uint32Array(2);
  private readonly wordValue = new Float64Array(this.word.buffer);

  constructor(readonly rows: number, maxPositives: number) {
    this.start = new Uint32Array(bucketsFor(maxPositives) + 3);
    this.posValues = new Float64Array(Math.max(1, maxPositives));
  }

  /** AUC of `score` for the task's labels; at most `maxPositives` positives, both classes present. */
  auc(score: Float64Array, task: TaskRows): number {
    const n = this.rows, positives = task.positives, P = positives.length;
    const pos = this.posValues.subarray(0, P);
    for (let k = 0; k < P; k++) pos[k] = score[positives[k]];
    pos.sort();
    const keyLo = this.keyOf(pos[0]), span = this.keyOf(pos[P - 1]) - keyLo;
    const B = bucketsFor(P), start = this.start;
    let shift = 0;
    while (span >>> shift >= B) shift++;
    const inv = 2 ** -shift; // exact, so floor(d·inv) = d >>> shift for d ≥ 0
    // Buckets 1..B hold the positives; 0 (below lo) and B+1 (above hi) are empty sentinels, so no row needs a
    // range branch. start[b] = first positive (in sorted order) of bucket b.
    start.fill(0, 0, B + 3);
    for (let k = 0; k < P; k++) start[((this.keyOf(pos[k]) - keyLo) >>> shift) + 2]++;
    for (let b = 0; b < B + 2; b++) start[b + 1] += start[b];
    // High words of the scores (little-endian: word 2i+1 of row i).
    const high = new Uint32Array(score.buffer, score.byteOffset, 2 * n);
    const last = B + 1;
    let wins = 0;
    for (let i = 0; i < n; i++) {
      const w = high[2 * i + 1] | 0;
      const key = (w ^ ((w >> 31) | 0x80000000)) >>> 0;
      const b = Math.min(last, Math.max(0, Math.floor((key - keyLo) * inv) + 1));
      const s0 = start[b], s1 = start[b + 1];
      wins += P - s1;
      if (s1 === s0) continue;
      const v = score[i];
      if (s1 - s0 <= 4) {
        for (let k = s0; k < s1; k++) { const p = pos[k]; if (p > v) wins += 1; else if (p === v) wins += 0.5; }
      } else {
        const above = upperBound(pos, s0, s1, v), atOrAbove = lowerBound(pos, s0, s1, v);
        wins += (s1 - above) + 0.5 * (above - atOrAbove);
      }
    }
    wins -= (P * P) / 2;
    return wins / (P * (n - P));
  }

  private keyOf(v: number): number {
    this.wordValue[0] = v;
    return orderedKey(this.word[1] | 0);
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
