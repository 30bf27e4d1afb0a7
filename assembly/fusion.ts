// The row pass of the output-weight search's exact AUC (driven by src/fusion/wasm-auc.ts; the method and the
// bucket table are described in src/fusion/fast-auc.ts). For the fused score v = a·x + b·y + c·z of every row it
// counts the positives above v (ties ½). Fused scores are separate multiplies and adds in task order (no FMA),
// so they are bit-identical to the host's and numpy's a*x + b*y + c*z.
//
// Four rows per step, without a branch on the common path: two f64x2 multiply-add chains give the scores, a
// pmax/pmin clamps them into the positives' range (one instruction each, instead of compares and selects), one
// shuffle gathers their four high words, and one set of i32x4 ops turns those into slots. One 8-byte load per
// row gives its slot's (first, end) positive indices. Rows whose slot holds positives go to a small buffer and
// are compared value by value after each block of rows, with SIMD compares and masks. When most rows of a block
// land among positives (a common task: the table is capped), the next block appends every row and advances the
// cursor by the flag, so no branch is mispredicted; otherwise it appends behind a well-predicted branch.

import { bound, clamped2, nextDown, nextUp, slots4 } from './fusion-shared';

/** Rows per block; the caller's buffer holds BLOCK entries of 16 bytes (score, first, end). */
const BLOCK = 1024;

export function fusedAucBufferBytes(): i32 {
  return BLOCK << 4;
}

/**
 * Twice the Mann–Whitney count Σ_rows (#positives above v + ½ #positives equal to v), exactly (below 2^53).
 * `start` (i32): the positives in slot d are pos[start[d] .. start[d + 1]); a score v in [lo, hi] with high word w
 * has slot (key(w) >> shift) − base + 1; slots 0 and `last` (below lo, above hi) are empty, as is start[last + 1].
 * `pos` (f64, P + 3 readable entries): the positives slot by slot; slots of more than 16 are sorted.
 */
export function fusedAucWins2(
  n: i32, px: usize, py: usize, pz: usize, a: f64, b: f64, c: f64,
  lo: f64, hi: f64, shift: i32, base: i32, pStart: usize, last: i32, pPos: usize, P: i32, pBuf: usize,
): f64 {
  // Clamping to [just below lo, just above hi] keeps every comparison with a positive and the slot in [0, last].
  const floor = nextDown(lo), ceil = nextUp(hi), base1 = base - 1;
  let below: i64 = 0; // Σ over rows of start[slot + 1]: the positives in or below the row's slot
  let inSlot: i64 = 0; // twice the positives above the row (ties ½) within its slot
  let dense = false;
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const end = min(i0 + BLOCK, n);
    const r = dense
      ? block<Dense>(i0, end, px, py, pz, a, b, c, floor, ceil, shift, base1, pStart, pBuf)
      : block<Sparse>(i0, end, px, py, pz, a, b, c, floor, ceil, shift, base1, pStart, pBuf);
    const m = <i32>(r & 0xffff); // buffered rows (≤ BLOCK); the rest is Σ start[slot + 1]
    below += r >> 16;
    dense = m * 4 > end - i0;
    for (let k = 0; k < m; k++) {
      const q = pBuf + (<usize>k << 4);
      inSlot += aboveInSlot2(load<f64>(q), pPos, load<i32>(q, 8), load<i32>(q, 12));
    }
  }
  return <f64>((<i64>n * (<i64>P << 1)) - (below << 1) + inSlot);
}

/** Block variants (one compiled loop each): Dense appends every row, branch-free; Sparse only occupied ones. */
type Dense = i32;
type Sparse = f32;

/** Rows [i0, end): buffers the rows whose slot holds positives; returns Σ start[slot + 1] << 16 | buffered count. */
function block<Mode>(i0: i32, end: i32, px: usize, py: usize, pz: usize, a: f64, b: f64, c: f64,
  floor: f64, ceil: f64, shift: i32, base1: i32, pStart: usize, pBuf: usize): i64 {
  const va = f64x2.splat(a), vb = f64x2.splat(b), vc = f64x2.splat(c);
  const vlo = f64x2.splat(floor), vhi = f64x2.splat(ceil), vbase1 = i32x4.splat(base1);
  const dense = isInteger<Mode>();
  let below: i64 = 0;
  let m = 0, i = i0;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 3;
    const s = clamped2(va, vb, vc, px + o, py + o, pz + o, vlo, vhi);
    const t = clamped2(va, vb, vc, px + o + 16, py + o + 16, pz + o + 16, vlo, vhi);
    const d = slots4(s, t, shift, vbase1);
    const e0 = load<i64>(pStart + (<usize>i32x4.extract_lane(d, 0) << 2));
    const e1 = load<i64>(pStart + (<usize>i32x4.extract_lane(d, 1) << 2));
    const e2 = load<i64>(pStart + (<usize>i32x4.extract_lane(d, 2) << 2));
    const e3 = load<i64>(pStart + (<usize>i32x4.extract_lane(d, 3) << 2));
    below += (e0 >> 32) + (e1 >> 32) + (e2 >> 32) + (e3 >> 32);
    m = append(dense, pBuf, m, f64x2.extract_lane(s, 0), e0);
    m = append(dense, pBuf, m, f64x2.extract_lane(s, 1), e1);
    m = append(dense, pBuf, m, f64x2.extract_lane(t, 0), e2);
    m = append(dense, pBuf, m, f64x2.extract_lane(t, 1), e3);
  }
  for (; i < end; i++) {
    const o = <usize>i << 3;
    let v = a * load<f64>(px + o) + b * load<f64>(py + o) + c * load<f64>(pz + o) + 0.0;
    v = select<f64>(floor, select<f64>(ceil, v, v > ceil), v < floor);
    const hw = <i32>(reinterpret<i64>(v) >>> 32);
    const e = load<i64>(pStart + (<usize>(((hw ^ ((hw >> 31) & 0x7fffffff)) >> shift) - base1) << 2));
    below += e >> 32;
    m = append(dense, pBuf, m, v, e);
  }
  return (below << 16) | <i64>m;
}

/** Adds (v, first, end) as buffer entry m when the slot holds positives (first ≠ end); returns the new count. */
// @ts-ignore: decorator
@inline function append(dense: bool, pBuf: usize, m: i32, v: f64, e: i64): i32 {
  if (!dense && <i32>e == <i32>(e >> 32)) return m; // written as one compare: V8 then emits cmp + branch
  const q = pBuf + (<usize>m << 4);
  store<f64>(q, v);
  store<i64>(q, e, 8);
  return dense ? m + <i32>(<i32>e != <i32>(e >> 32)) : m + 1;
}

/** Twice (#pos[k] > v + ½ #pos[k] == v) over pos[s0 .. s1): masked SIMD groups of 4, or binary search in a long slot. */
// @ts-ignore: decorator
@inline function aboveInSlot2(v: f64, pPos: usize, s0: i32, s1: i32): i64 {
  if (s1 - s0 > 16) {
    const above = bound(pPos, s0, s1, v, true), atOrAbove = bound(pPos, s0, s1, v, false);
    return (<i64>(s1 - above) << 1) + <i64>(above - atOrAbove);
  }
  const vv = f64x2.splat(v), lanes01 = i64x2(0, 1), lanes23 = i64x2(2, 3);
  let acc = i64x2.splat(0);
  for (let k = s0; k < s1; k += 4) {
    const q = pPos + (<usize>k << 3), left = i64x2.splat(s1 - k);
    const p01 = v128.load(q), p23 = v128.load(q, 16);
    // Per lane −(2·[p > v] + [p == v]) as all-ones masks, kept only for lanes before s1.
    const c01 = v128.and(i64x2.add(i64x2.add(f64x2.gt(p01, vv), f64x2.gt(p01, vv)), f64x2.eq(p01, vv)), i64x2.gt_s(left, lanes01));
    const c23 = v128.and(i64x2.add(i64x2.add(f64x2.gt(p23, vv), f64x2.gt(p23, vv)), f64x2.eq(p23, vv)), i64x2.gt_s(left, lanes23));
    acc = i64x2.add(acc, i64x2.add(c01, c23));
  }
  return -(i64x2.extract_lane(acc, 0) + i64x2.extract_lane(acc, 1));
}
