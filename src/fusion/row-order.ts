/**
 * A row order that makes the kernel's table accesses local. The AUC row pass visits rows in memory order and
 * touches the table entry of each row's fused-score slot; in the data's own order those are random entries of a
 * table larger than the core's cache. Every AUC (and the Pareto front built from them) is a count over rows that
 * does not depend on their order, so the pool may score a permuted copy: sorted by the columns' sum, the fused
 * scores of most weight vectors rise with the row index and neighbouring rows hit neighbouring slots.
 * Measured on 1M rows × 3 tasks, all tasks per pass: 9.85 → 8.02 ns CPU per row·ranking (under load).
 */

/** Buckets of the counting sort: the order only needs to be roughly sorted. */
const BUCKETS = 1 << 16;

/** Row indices in ascending (coarse) order of Σ columns[t][i]; a permutation of 0 … rows − 1. */
export function localityOrder(columns: readonly Float64Array[], rows: number): Uint32Array {
  // keys[i]: the sum's high word made unsigned and order-preserving (non-finite sums: 0, first).
  const sum = new Float64Array(rows),
    high = new Int32Array(sum.buffer),
    keys = new Uint32Array(rows),
    hiWord = new Int32Array(new Float64Array([1]).buffer)[1] === 0 ? 0 : 1; // the platform's word order
  for (const c of columns) for (let i = 0; i < rows; i++) sum[i] += c[i];
  let lo = 0xffffffff,
    hi = 0;
  for (let i = 0; i < rows; i++) {
    if (!Number.isFinite(sum[i])) continue;
    const w = high[2 * i + hiWord],
      k = (w ^ ((w >> 31) & 0x7fffffff) ^ 0x80000000) >>> 0;
    keys[i] = k;
    if (k < lo) lo = k;
    if (k > hi) hi = k;
  }
  let shift = 0;
  while (hi > lo && (hi - lo) >>> shift >= BUCKETS) shift++;
  const bucket = (k: number) => (k === 0 ? 0 : (k - lo) >>> shift),
    start = new Uint32Array(BUCKETS + 1);
  for (let i = 0; i < rows; i++) start[bucket(keys[i]) + 1]++;
  for (let b = 0; b < BUCKETS; b++) start[b + 1] += start[b];
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[start[bucket(keys[i])]++] = i;
  return order;
}

/** out[k] = a[order[k]]. */
export function permuted<A extends Float64Array | Uint8Array>(a: A, order: Uint32Array): A {
  const out = new (a.constructor as new (n: number) => A)(order.length);
  for (let k = 0; k < order.length; k++) out[k] = a[order[k]];
  return out;
}
