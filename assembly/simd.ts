// Shared SIMD helpers. ASC_FEATURE_RELAXED_SIMD is the compiler's constant for `--enable relaxed-simd`:
// the relaxed build fuses multiply-add into one FMA, the plain build keeps a separate mul and add.
// The untaken branch is not compiled.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Byte offset of float/int element i. */
// @ts-ignore: decorator
@inline export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}
