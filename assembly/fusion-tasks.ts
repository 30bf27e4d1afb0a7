// Every task's exact AUC of one fused score in ONE row pass (driven by src/fusion/wasm-auc.ts; the bucket table
// is described in src/fusion/fast-auc.ts). The fused score's order is shared by all tasks, so the table is built
// over the union of the tasks' positives (a row positive for any of up to 4 tasks), each table entry carrying a
// packed increment: 16 bits per task, set where the entry is that task's positive. Per row the pass computes the
// score and its slot once, counts the row in the slot's histogram, and — when the slot holds positives — buffers
// the row for an in-slot comparison whose masked SIMD adds update all tasks' counters at once.
//
// For task t the Mann–Whitney count over all rows (each row counted as a negative, as in fusedAucWins2) is
//   Σ_rows (t-positives above the row + ½ equal) = n·P_t − Σ_slots hist[d]·cum_t(d) + in-slot part,
// where cum_t(d) is the number of t-positives in slots ≤ d: the histogram turns the per-task part of the row
// pass into one pass over the slots after it. Fused scores are separate multiplies and adds in task order (no FMA),
// bit-identical to the host's, so each positive's own row ties its table entry exactly.

import { bound, clamped2, nextDown, nextUp, slots4 } from './fusion-shared';

/** Rows per block; the caller's buffer holds BLOCK entries of 16 bytes (score, first, end). */
const BLOCK = 1024;
/** Slots with more entries than this are sorted and binary-searched (the table builder sorts them). */
const SHORT = 16;

/**
 * Twice the Mann–Whitney count of each of T ≤ 4 tasks into out[t] (f64), exactly (below 2^53).
 * `rows` (u32) and `masks` (u8): the U ≥ 1 rows positive for any task, and bit t set where a row is a
 * t-positive; `qx`, `qy`, `qz`: the three columns at those rows, contiguous (or 0: read through `rows`). `B`: buckets of the table (fast-auc.ts bucketsFor). Scratch, all owned by the caller: `table`
 * (B + 4 entries of 8 bytes), `pos` (f64) and `inc` (i64), U + 3 entries each; `mask` (u8, U), `cum`
 * (u32, T × (U + 1)), `slot` (i32, U), `score` (f64, U), the row buffer and `out` (4 × 8 bytes).
 */
export function fusedAucTasks(
  n: i32, px: usize, py: usize, pz: usize, a: f64, b: f64, c: f64,
  pRows: usize, qx: usize, qy: usize, qz: usize, pMasks: usize, U: i32, T: i32, B: i32,
  pTable: usize, pPos: usize, pMask: usize, pInc: usize, pCum: usize, pSlot: usize, pScore: usize,
  pBuf: usize, pOut: usize,
): void {
  const stride = <usize>(U + 1) << 2;
  // The positives' fused scores and their range.
  let lo = Infinity, hi = -Infinity;
  // qx, qy, qz: the columns' values at the positives, contiguous (0: gather them from px, py, pz by row).
  const gather = qx == 0;
  for (let k = 0; k < U; k++) {
    const o = gather ? <usize>load<u32>(pRows + (<usize>k << 2)) << 3 : <usize>k << 3;
    const v = gather
      ? a * load<f64>(px + o) + b * load<f64>(py + o) + c * load<f64>(pz + o) + 0.0
      : a * load<f64>(qx + o) + b * load<f64>(qy + o) + c * load<f64>(qz + o) + 0.0;
    store<f64>(pScore + (<usize>k << 3), v);
    lo = min(lo, v);
    hi = max(hi, v);
  }
  // Slots: d = (key >> shift) − base + 1 in [1, B + 1], shift the smallest that fits the range into B buckets.
  const keyLo = keyOf(lo), span = <i64>keyOf(hi) - <i64>keyLo;
  let shift = 0;
  while ((span >> shift) >= <i64>B) shift++;
  const base = keyLo >> shift, last = B + 2;
  memory.fill(pTable, 0, <usize>(last + 2) << 3);
  // Counting sort by slot into the table's low words (counted at d + 2, summed, scattered through d + 1).
  let crowded = false;
  for (let k = 0; k < U; k++) {
    const d = (keyOf(load<f64>(pScore + (<usize>k << 3))) >> shift) - base + 1;
    store<i32>(pSlot + (<usize>k << 2), d);
    if (bump(pTable, d + 2) > SHORT) crowded = true;
  }
  for (let d = 0; d <= last; d++) store<i32>(pTable + (<usize>(d + 1) << 3), first(pTable, d + 1) + first(pTable, d));
  for (let k = 0; k < U; k++) {
    const at = bump(pTable, load<i32>(pSlot + (<usize>k << 2)) + 1) - 1;
    store<f64>(pPos + (<usize>at << 3), load<f64>(pScore + (<usize>k << 3)));
    store<u8>(pMask + <usize>at, load<u8>(pMasks + <usize>k));
  }
  if (crowded)
    for (let d = 1; d < last; d++) {
      const s0 = first(pTable, d), s1 = first(pTable, d + 1);
      if (s1 - s0 > SHORT) heapSort(pPos, pMask, s0, s1 - s0);
    }
  for (let k = U; k < U + 3; k++) store<f64>(pPos + (<usize>k << 3), 0);
  prepareEntries(pMask, pInc, pCum, stride, U, T);
  for (let t = 0; t < T; t++) store<i64>(pOut + (<usize>t << 3), 0);
  // The row pass: clamping to [just below lo, just above hi] keeps every slot in [0, last].
  const floor = nextDown(lo), ceil = nextUp(hi), base1 = base - 1;
  let dense = false;
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const end = min(i0 + BLOCK, n);
    const m = dense
      ? block<Dense>(i0, end, px, py, pz, a, b, c, floor, ceil, shift, base1, pTable, pBuf)
      : block<Sparse>(i0, end, px, py, pz, a, b, c, floor, ceil, shift, base1, pTable, pBuf);
    dense = m * 4 > end - i0;
    // Packed counters: a row adds at most 2·SHORT per task, so a block's 1024 rows stay below 2^16 per field.
    let acc = i64x2.splat(0);
    for (let k = 0; k < m; k++) {
      const q = pBuf + (<usize>k << 4);
      const v = load<f64>(q), s0 = load<i32>(q, 8), s1 = load<i32>(q, 12);
      if (s1 - s0 > SHORT) longSlot(v, pPos, pCum, stride, s0, s1, T, pOut);
      else acc = i64x2.add(acc, inSlot2(v, pPos, pInc, s0, s1));
    }
    const packed = i64x2.extract_lane(acc, 0) + i64x2.extract_lane(acc, 1);
    for (let t = 0; t < T; t++) {
      const o = pOut + (<usize>t << 3);
      store<i64>(o, load<i64>(o) + ((packed >> (<i64>t << 4)) & 0xffff));
    }
  }
  // Σ_slots hist[d]·cum_t(slot d's end), for all tasks in one pass over the table.
  let b0: i64 = 0, b1: i64 = 0, b2: i64 = 0, b3: i64 = 0;
  const c1 = pCum + stride, c2 = c1 + stride, c3 = c2 + stride;
  for (let d = 0; d <= last; d++) {
    const h = load<i64>(pTable + (<usize>d << 3)) >>> 32;
    if (h == 0) continue;
    const e = <usize>load<u32>(pTable + (<usize>(d + 1) << 3)) << 2;
    b0 += h * <i64>load<u32>(pCum + e);
    if (T > 1) b1 += h * <i64>load<u32>(c1 + e);
    if (T > 2) b2 += h * <i64>load<u32>(c2 + e);
    if (T > 3) b3 += h * <i64>load<u32>(c3 + e);
  }
  // wins2_t = 2·n·P_t − 2·below_t + in-slot part.
  for (let t = 0; t < T; t++) {
    const below = t == 0 ? b0 : t == 1 ? b1 : t == 2 ? b2 : b3;
    const P = <i64>load<u32>(pCum + <usize>t * stride + (<usize>U << 2));
    const o = pOut + (<usize>t << 3);
    store<f64>(o, <f64>((<i64>n * (P << 1)) - (below << 1) + load<i64>(o)));
  }
}

/**
 * Table entry d (8 bytes) = (first entry of slot d, rows counted in slot d): one load gives a row its slot's first
 * entry and counter, and the next entry's low word is the slot's end.
 */
// @ts-ignore: decorator
@inline function first(pTable: usize, d: i32): i32 {
  return load<i32>(pTable + (<usize>d << 3));
}

/** Adds 1 to the low word of entry d; returns the new value. */
// @ts-ignore: decorator
@inline function bump(pTable: usize, d: i32): i32 {
  const v = first(pTable, d) + 1;
  store<i32>(pTable + (<usize>d << 3), v);
  return v;
}

/** Signed 32-bit key from the high word of a double whose integer order is the numeric order. */
// @ts-ignore: decorator
@inline function keyOf(v: f64): i32 {
  const w = <i32>(reinterpret<i64>(v) >>> 32);
  return w ^ ((w >> 31) & 0x7fffffff);
}

/** Sorts pos[s, s + m) ascending, carrying mask along (a crowded slot: many positives share its key range). */
function heapSort(pPos: usize, pMask: usize, s: i32, m: i32): void {
  for (let i = (m >> 1) - 1; i >= 0; i--) siftDown(pPos, pMask, s, i, m);
  for (let end = m - 1; end > 0; end--) {
    swap(pPos, pMask, s, 0, end);
    siftDown(pPos, pMask, s, 0, end);
  }
}

function siftDown(pPos: usize, pMask: usize, s: i32, i: i32, m: i32): void {
  for (;;) {
    let j = 2 * i + 1;
    if (j >= m) return;
    if (j + 1 < m && at(pPos, s + j + 1) > at(pPos, s + j)) j++;
    if (at(pPos, s + j) <= at(pPos, s + i)) return;
    swap(pPos, pMask, s, i, j);
    i = j;
  }
}

// @ts-ignore: decorator
@inline function at(pPos: usize, k: i32): f64 {
  return load<f64>(pPos + (<usize>k << 3));
}

function swap(pPos: usize, pMask: usize, s: i32, i: i32, j: i32): void {
  const pi = pPos + (<usize>(s + i) << 3), pj = pPos + (<usize>(s + j) << 3);
  const v = load<f64>(pi);
  store<f64>(pi, load<f64>(pj));
  store<f64>(pj, v);
  const mi = pMask + <usize>(s + i), mj = pMask + <usize>(s + j);
  const b = load<u8>(mi);
  store<u8>(mi, load<u8>(mj));
  store<u8>(mj, b);
}

/** inc[k]: bit t of mask[k] at bit 16·t; cum_t[k] = t-positives among entries [0, k). */
function prepareEntries(pMask: usize, pInc: usize, pCum: usize, stride: usize, U: i32, T: i32): void {
  for (let k = 0; k < U; k++) {
    const m = <i64>load<u8>(pMask + <usize>k);
    store<i64>(pInc + (<usize>k << 3), (m & 1) | ((m & 2) << 15) | ((m & 4) << 30) | ((m & 8) << 45));
  }
  for (let k = U; k < U + 3; k++) store<i64>(pInc + (<usize>k << 3), 0);
  for (let t = 0; t < T; t++) {
    const cum = pCum + <usize>t * stride;
    let c: u32 = 0;
    store<u32>(cum, 0);
    for (let k = 0; k < U; k++) {
      c += (<u32>load<u8>(pMask + <usize>k) >> t) & 1;
      store<u32>(cum + (<usize>(k + 1) << 2), c);
    }
  }
}

/** Block variants (one compiled loop each): Dense appends every row, branch-free; Sparse only occupied ones. */
type Dense = i32;
type Sparse = f32;

/** Rows [i0, end): counts each row in its slot and buffers the rows whose slot holds positives; returns how many. */
function block<Mode>(i0: i32, end: i32, px: usize, py: usize, pz: usize, a: f64, b: f64, c: f64,
  floor: f64, ceil: f64, shift: i32, base1: i32, pTable: usize, pBuf: usize): i32 {
  const va = f64x2.splat(a), vb = f64x2.splat(b), vc = f64x2.splat(c);
  const vlo = f64x2.splat(floor), vhi = f64x2.splat(ceil), vbase1 = i32x4.splat(base1);
  const dense = isInteger<Mode>();
  let m = 0, i = i0;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 3;
    const s = clamped2(va, vb, vc, px + o, py + o, pz + o, vlo, vhi);
    const t = clamped2(va, vb, vc, px + o + 16, py + o + 16, pz + o + 16, vlo, vhi);
    const d = slots4(s, t, shift, vbase1);
    m = visit(dense, pTable, pBuf, m, f64x2.extract_lane(s, 0), i32x4.extract_lane(d, 0));
    m = visit(dense, pTable, pBuf, m, f64x2.extract_lane(s, 1), i32x4.extract_lane(d, 1));
    m = visit(dense, pTable, pBuf, m, f64x2.extract_lane(t, 0), i32x4.extract_lane(d, 2));
    m = visit(dense, pTable, pBuf, m, f64x2.extract_lane(t, 1), i32x4.extract_lane(d, 3));
  }
  for (; i < end; i++) {
    const o = <usize>i << 3;
    let v = a * load<f64>(px + o) + b * load<f64>(py + o) + c * load<f64>(pz + o) + 0.0;
    v = select<f64>(floor, select<f64>(ceil, v, v > ceil), v < floor);
    const hw = <i32>(reinterpret<i64>(v) >>> 32);
    m = visit(dense, pTable, pBuf, m, v, ((hw ^ ((hw >> 31) & 0x7fffffff)) >> shift) - base1);
  }
  return m;
}

/** Counts the row in slot d and adds (v, first, end) as buffer entry m when the slot holds positives. */
// @ts-ignore: decorator
@inline function visit(dense: bool, pTable: usize, pBuf: usize, m: i32, v: f64, d: i32): i32 {
  const q = pTable + (<usize>d << 3);
  const e = load<i64>(q);
  store<i64>(q, e + (<i64>1 << 32));
  const first = <i32>e, end = load<i32>(q, 8);
  if (!dense && first == end) return m;
  const r = pBuf + (<usize>m << 4);
  store<f64>(r, v);
  store<i32>(r, first, 8);
  store<i32>(r, end, 12);
  return dense ? m + <i32>(first != end) : m + 1;
}

/** Σ over entries k in [s0, s1) of inc[k]·(2·[pos[k] > v] + [pos[k] == v]), packed, in masked SIMD groups of 4. */
// @ts-ignore: decorator
@inline function inSlot2(v: f64, pPos: usize, pInc: usize, s0: i32, s1: i32): v128 {
  const vv = f64x2.splat(v), lanes01 = i64x2(0, 1), lanes23 = i64x2(2, 3);
  let acc = i64x2.splat(0);
  for (let k = s0; k < s1; k += 4) {
    const q = pPos + (<usize>k << 3), r = pInc + (<usize>k << 3), left = i64x2.splat(s1 - k);
    const p01 = v128.load(q), p23 = v128.load(q, 16);
    const i01 = v128.and(v128.load(r), i64x2.gt_s(left, lanes01));
    const i23 = v128.and(v128.load(r, 16), i64x2.gt_s(left, lanes23));
    const g01 = v128.and(f64x2.gt(p01, vv), i01), g23 = v128.and(f64x2.gt(p23, vv), i23);
    const e01 = v128.and(f64x2.eq(p01, vv), i01), e23 = v128.and(f64x2.eq(p23, vv), i23);
    acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(g01, g01), e01), i64x2.add(i64x2.add(g23, g23), e23)));
  }
  return acc;
}

/** A sorted slot of more than SHORT entries: binary search, then each task's counts from its cumulative array. */
function longSlot(v: f64, pPos: usize, pCum: usize, stride: usize, s0: i32, s1: i32, T: i32, pOut: usize): void {
  const above = bound(pPos, s0, s1, v, true), atOrAbove = bound(pPos, s0, s1, v, false);
  for (let t = 0; t < T; t++) {
    const cum = pCum + <usize>t * stride;
    const c1 = <i64>load<u32>(cum + (<usize>s1 << 2)),
      cA = <i64>load<u32>(cum + (<usize>above << 2)),
      cE = <i64>load<u32>(cum + (<usize>atOrAbove << 2));
    const o = pOut + (<usize>t << 3);
    store<i64>(o, load<i64>(o) + ((c1 - cA) << 1) + (cA - cE));
  }
}
