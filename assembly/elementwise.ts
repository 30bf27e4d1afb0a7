// Elementwise loops and reductions of the training step. Reductions run in a fixed order (deterministic).
import { madd } from './simd';

/** Σ x² in f64 (two f64x2 partial sums, combined at the end, then the scalar tail). */
export function sumSquares(px: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(px + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(x);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
    s0 = f64x2.add(s0, f64x2.mul(lo, lo));
    s1 = f64x2.add(s1, f64x2.mul(hi, hi));
  }
  const t = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; i < n; i++) {
    const x = <f64>load<f32>(px + (<usize>i << 2));
    s += x * x;
  }
  return s;
}

/** y[i] += a·x[i] */
export function axpy(n: i32, a: f32, px: usize, py: usize): void {
  const va = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(py + o, madd(va, v128.load(px + o), v128.load(py + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(py + o, load<f32>(py + o) + a * load<f32>(px + o));
  }
}

/** x[i] *= a */
export function scale(n: i32, a: f32, px: usize): void {
  const va = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(px + (<usize>i << 2), f32x4.mul(v128.load(px + (<usize>i << 2)), va));
  for (; i < n; i++) store<f32>(px + (<usize>i << 2), load<f32>(px + (<usize>i << 2)) * a);
}

/** out = a + b */
export function add(pa: usize, pb: usize, pout: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(pout + o, f32x4.add(v128.load(pa + o), v128.load(pb + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(pout + o, load<f32>(pa + o) + load<f32>(pb + o));
  }
}

/** out = a ⊙ b */
export function mulElementwise(pa: usize, pb: usize, pout: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(pout + o, f32x4.mul(v128.load(pa + o), v128.load(pb + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(pout + o, load<f32>(pa + o) * load<f32>(pb + o));
  }
}

/** y = max(x, 0) */
export function relu(px: usize, py: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(py + (<usize>i << 2), f32x4.max(v128.load(px + (<usize>i << 2)), z));
  for (; i < n; i++) store<f32>(py + (<usize>i << 2), max<f32>(load<f32>(px + (<usize>i << 2)), 0));
}

/** dx = dy where y > 0, else 0 */
export function reluBackward(py: usize, pdy: usize, pdx: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(pdx + o, v128.and(v128.load(pdy + o), f32x4.gt(v128.load(py + o), z)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(pdx + o, load<f32>(py + o) > 0 ? load<f32>(pdy + o) : 0);
  }
}

// @ts-ignore: decorator
@inline function sigmoid1(x: f32): f32 {
  if (x >= 0) return 1 / (1 + Mathf.exp(-x));
  const e = Mathf.exp(x);
  return e / (1 + e);
}

/** y = 1 / (1 + e^-x), computed without overflow for either sign */
export function sigmoid(px: usize, py: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(py + (<usize>i << 2), sigmoid1(load<f32>(px + (<usize>i << 2))));
}

/** dx = dy · y · (1 − y) */
export function sigmoidBackward(py: usize, pdy: usize, pdx: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const y = v128.load(py + o);
    v128.store(pdx + o, f32x4.mul(f32x4.mul(v128.load(pdy + o), y), f32x4.sub(one, y)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const y = load<f32>(py + o);
    store<f32>(pdx + o, load<f32>(pdy + o) * y * (1 - y));
  }
}

/**
 * Binary cross-entropy on logits x with labels y ∈ {0,1} and optional weights w (pw = 0: all 1):
 * returns Σ w·(max(x,0) − x·y + log(1 + e^−|x|)) (f64, in order); dx = gradScale·w·(σ(x) − y).
 */
export function bceWithLogits(px: usize, py: usize, pw: usize, pdx: usize, n: i32, gradScale: f32): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(px + o);
    const y = load<f32>(py + o);
    const w: f32 = pw ? load<f32>(pw + o) : 1;
    const l = <f64>max<f32>(x, 0) - <f64>x * <f64>y + Math.log1p(Math.exp(-Math.abs(<f64>x)));
    loss += <f64>w * l;
    if (pdx) store<f32>(pdx + o, gradScale * w * (sigmoid1(x) - y));
  }
  return loss;
}
