// wasm SIMD kernels. Compiled twice by scripts/build.mjs: RELAXED=1 uses f32x4.relaxed_madd (FMA),
// RELAXED=0 a separate multiply and add (plain SIMD fallback). ASC_FEATURE_RELAXED_SIMD is the
// compiler's own constant for `--enable relaxed-simd`; the untaken branch is not compiled.

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

export function axpy4(n: i32, alpha: f32, px: usize, py: usize): void {
  const va = f32x4.splat(alpha);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    v128.store(py + o, madd(va, v128.load(px + o), v128.load(py + o)));
  }
}
