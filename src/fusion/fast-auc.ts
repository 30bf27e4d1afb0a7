/**
 * Exact midrank AUC of a fused score a·X + b·Y + c·Z for one task, in one pass over the rows — the hot loop of
 * the search. The fused score is computed on the fly (never written out), in the same order as fuseInto, so the
 * numbers are bit-identical to it; a materialised score f is scored as 1·f + 0·f + 0·f.
 *
 * A comparison sort per combination is too slow at a million rows. Instead only the positives are ordered (they
 * are few for the rare tasks that matter): counted into a bucket table and laid out bucket by bucket (a counting
 * sort; only crowded buckets get a comparison sort), and each row finds its place among them with one table lookup. The bucket of a score is taken from the top bits of its IEEE-754 pattern (mapped so the
 * integer order is the numeric order), i.e. a logarithmic histogram that stays fine where probabilities crowd
 * near 0. That map is monotone, so every positive in a higher bucket is strictly above the row — counted from the
 * table — and only the positives sharing the row's bucket are compared value by value (ties count ½). Rows below
 * or above every positive land in the table's first or last slot. The result is the exact Mann–Whitney count,
 * equal to a full sort's midrank AUC (a constant score gives exactly 0.5).
 *
 * All rows are counted as if negative; the positives' own contribution is exactly P²/2 (each positive pair counts
 * 1 in total, each positive ties itself for ½) and is subtracted, which saves reading the labels. Scores are
 * made +0 rather than −0 (x + 0), since the two are equal but have different bit patterns.
 *
 * This file holds the method and its plain-JavaScript row pass (the fallback, and the second implementation the
 * tests compare with); WasmAuc (wasm-auc.ts) runs the same table through a wasm kernel (assembly/fusion.ts),
 * 3–5x faster, with bit-identical results.
 */

const MIN_BUCKETS = 1 << 10;
const MAX_BUCKETS = 1 << 18;

/**
 * Buckets for a task with `positives` positives: 32–64 per positive (at most 2^18), so few rows share a positive's
 * bucket. Measured: sparser tables cost less in per-row comparisons than they add in cache misses, down to 8.
 */
export function bucketsFor(positives: number): number {
  let b = MIN_BUCKETS;
  while (b < MAX_BUCKETS && b < positives * 32) b <<= 1;
  return b;
}

/** Entries of a bucket table for up to `positives` positives. */
export const tableLength = (positives: number): number => bucketsFor(positives) + 4;

export interface TaskRows {
  /** 0/1 label per row. */
  labels: Uint8Array;
  /** Indices of the rows whose label is 1, ascending. */
  positives: Uint32Array;
}

/**
 * Where a row's score falls among the sorted positives: slot 0 = below all, `last` = above all, and slots 1 … last − 1
 * = bucket of the score's key (`key >> shift`) − base + 1. Positives in slot d are pos[start[d] … start[d + 1]).
 */
export interface BucketTable {
  lo: number;
  hi: number;
  shift: number;
  base: number;
  last: number;
}

/** One double and its two 32-bit halves, to read a score's bit pattern (table building). */
const bits = new Float64Array(1);
const words = new Int32Array(bits.buffer);

/** Signed 32-bit key from the high word of a double whose integer order is the numeric order. */
function keyOf(v: number): number {
  bits[0] = v;
  const w = words[1];
  return w ^ ((w >> 31) & 0x7fffffff);
}

/** Slots holding more positives than this are sorted (and binary-searched); shorter ones are scanned in any order. */
export const SORTED_SLOT = 16;

/**
 * Lays out the positives' scores `scores` (any order, P ≥ 1) slot by slot into `pos` and fills `start` (at least
 * tableLength(P) long): a counting sort by slot, so only slots longer than SORTED_SLOT need a comparison sort.
 */
export function bucketTable(
  scores: Float64Array,
  pos: Float64Array,
  start: Uint32Array,
  slotOf: Int32Array,
): BucketTable {
  const P = scores.length;
  let lo = scores[0],
    hi = scores[0];
  for (let k = 1; k < P; k++) {
    const v = scores[k];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const keyLo = keyOf(lo),
    B = bucketsFor(P);
  let shift = 0;
  while ((keyOf(hi) - keyLo) / 2 ** shift >= B) shift++;
  const base = keyLo >> shift; // d = floor(key / 2^shift) − base is monotone in key and lies in [0, B]
  const last = B + 2;
  start.fill(0, 0, last + 2);
  let crowded = false;
  for (let k = 0; k < P; k++) {
    const d = (keyOf(scores[k]) >> shift) - base + 1;
    slotOf[k] = d;
    if (++start[d + 2] > SORTED_SLOT) crowded = true;
  }
  // Counted at d + 2, summed: start[d + 1] is slot d's first index, the scatter's cursor; after it, slot d + 1's first.
  for (let k = 0; k <= last; k++) start[k + 1] += start[k];
  for (let k = 0; k < P; k++) pos[start[slotOf[k] + 1]++] = scores[k];
  if (crowded)
    for (let d = 1; d < last; d++)
      if (start[d + 1] - start[d] > SORTED_SLOT) pos.subarray(start[d], start[d + 1]).sort();
  return { lo, hi, shift, base, last };
}

/** out[k] = a·X[r] + b·Y[r] + c·Z[r] for the task's positive rows r; returns out[0, P). */
export function positiveScores(
  a: number,
  X: Float64Array,
  b: number,
  Y: Float64Array,
  c: number,
  Z: Float64Array,
  positives: Uint32Array,
  out: Float64Array,
): Float64Array {
  const P = positives.length,
    s = out.subarray(0, P);
  for (let k = 0; k < P; k++) {
    const r = positives[k];
    s[k] = a * X[r] + b * Y[r] + c * Z[r] + 0;
  }
  return s;
}

/** AUC from twice the Mann–Whitney count over all n rows (the positives counted as negatives too). */
export const aucFromWins2 = (wins2: number, P: number, n: number): number => (wins2 - P * P) / (2 * P * (n - P));

/** Per-scorer scratch of the table: positives' scores, their slot-ordered copy, the table and each one's slot. */
export interface TableScratch {
  scores: Float64Array;
  pos: Float64Array;
  start: Uint32Array;
  slotOf: Int32Array;
}

export function tableScratch(maxPositives: number): TableScratch {
  const p = Math.max(1, maxPositives);
  return {
    scores: new Float64Array(p),
    pos: new Float64Array(p),
    start: new Uint32Array(tableLength(p)),
    slotOf: new Int32Array(p),
  };
}

export class FastAuc {
  private readonly t: TableScratch;
  /** The row pass's own double and words (faster than the module-level pair in V8). */
  private readonly bits = new Float64Array(1);
  private readonly words = new Int32Array(this.bits.buffer);

  constructor(
    readonly rows: number,
    maxPositives: number,
  ) {
    this.t = tableScratch(maxPositives);
  }

  /** AUC of the materialised score `s` (as 1·s + 0·s + 0·s). */
  auc(s: Float64Array, task: TaskRows): number {
    return this.aucOf(1, s, 0, s, 0, s, task);
  }

  /** AUC of a·X + b·Y + c·Z for the task's labels; at most `maxPositives` positives, both classes present. */
  aucOf(a: number, X: Float64Array, b: number, Y: Float64Array, c: number, Z: Float64Array, task: TaskRows): number {
    const P = task.positives.length,
      { pos, start, slotOf } = this.t;
    const table = bucketTable(positiveScores(a, X, b, Y, c, Z, task.positives, this.t.scores), pos, start, slotOf);
    return aucFromWins2(
      2 * rowWins(a, X, b, Y, c, Z, this.rows, table, pos, start, P, this.bits, this.words),
      P,
      this.rows,
    );
  }
}

/** Σ over rows of (#positives above + ½ #equal). `start` is a Uint32Array: V8 runs this loop ~1.5x faster than on an Int32Array. */
function rowWins(
  a: number,
  X: Float64Array,
  b: number,
  Y: Float64Array,
  c: number,
  Z: Float64Array,
  n: number,
  table: BucketTable,
  pos: Float64Array,
  start: Uint32Array,
  P: number,
  b64: Float64Array,
  w32: Int32Array,
): number {
  const { lo, hi, shift, base } = table;
  let wins = 0;
  for (let i = 0; i < n; i++) {
    const v = a * X[i] + b * Y[i] + c * Z[i] + 0;
    if (v < lo) {
      wins += P;
      continue;
    }
    if (v > hi) continue;
    b64[0] = v;
    const w = w32[1];
    const slot = ((w ^ ((w >> 31) & 0x7fffffff)) >> shift) - base + 1;
    const s0 = start[slot],
      s1 = start[slot + 1];
    wins += P - s1;
    if (s1 === s0) continue;
    if (s1 - s0 <= SORTED_SLOT) {
      for (let k = s0; k < s1; k++) {
        const p = pos[k];
        if (p > v) wins += 1;
        else if (p === v) wins += 0.5;
      }
    } else {
      const above = upperBound(pos, s0, s1, v),
        atOrAbove = lowerBound(pos, s0, s1, v);
      wins += s1 - above + 0.5 * (above - atOrAbove);
    }
  }
  return wins;
}

/** First index in a[lo, hi) with a[i] > v. */
function upperBound(a: Float64Array, lo: number, hi: number, v: number): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] <= v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** First index in a[lo, hi) with a[i] >= v. */
function lowerBound(a: Float64Array, lo: number, hi: number, v: number): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] < v) lo = m + 1;
    else hi = m;
  }
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
