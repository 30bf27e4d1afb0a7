// Helpers of the fusion kernels: neighbouring doubles (to clamp fused scores just outside the positives' range),
// the binary search of a sorted slot, the SIMD steps shared by the row passes.

/** The next double above x (x finite). */
export function nextUp(x: f64): f64 {
  if (x == 0) return reinterpret<f64>(<i64>1);
  const bits = reinterpret<i64>(x);
  return reinterpret<f64>(x > 0 ? bits + 1 : bits - 1);
}

/** The next double below x (x finite). */
export function nextDown(x: f64): f64 {
  return -nextUp(-x);
}

/** First k in [lo, hi) of the sorted pos with pos[k] > v (strict) or pos[k] >= v. */
export function bound(pPos: usize, lo: i32, hi: i32, v: f64, strict: bool): i32 {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    const p = load<f64>(pPos + (<usize>m << 3));
    if (strict ? p <= v : p < v) lo = m + 1; else hi = m;
  }
  return lo;
}

/**
 * Two rows' fused scores a·x + b·y + c·z (separate multiplies and adds in task order, + 0 turning −0 into +0:
 * equal scores must have equal keys), clamped into [lo, hi].
 */
// @ts-ignore: decorator
@inline export function clamped2(va: v128, vb: v128, vc: v128, px: usize, py: usize, pz: usize, lo: v128, hi: v128): v128 {
  const s = f64x2.add(f64x2.add(f64x2.mul(va, v128.load(px)), f64x2.mul(vb, v128.load(py))), f64x2.mul(vc, v128.load(pz)));
  return f64x2.pmin(hi, f64x2.pmax(lo, f64x2.add(s, f64x2.splat(0))));
}

/**
 * Slots (key >> shift) − base1 of four scores (two f64x2): the keys of their high words, negative patterns with
 * their low 31 bits flipped so that integer order is numeric order.
 */
// @ts-ignore: decorator
@inline export function slots4(s: v128, t: v128, shift: i32, vbase1: v128): v128 {
  const w = v128.shuffle<i32>(s, t, 1, 3, 5, 7);
  const key = v128.xor(w, v128.and(i32x4.shr_s(w, 31), i32x4.splat(0x7fffffff)));
  return i32x4.sub(i32x4.shr_s(key, shift), vbase1);
}
