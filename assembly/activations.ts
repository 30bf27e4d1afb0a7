// Activations without a gemm epilogue: tanh, leaky ReLU, GELU (tanh approximation), with their backward passes.
// Scalar transcendental functions (Mathf.tanh); the ops are small next to the gemms they follow.

/** y = tanh(x) */
export function tanh(px: usize, py: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(py + (<usize>i << 2), Mathf.tanh(load<f32>(px + (<usize>i << 2))));
}

/** dx = dy · (1 − y²) (y = the tanh output) */
export function tanhBackward(py: usize, pdy: usize, pdx: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2, y = v128.load(py + o);
    v128.store(pdx + o, f32x4.mul(v128.load(pdy + o), f32x4.sub(one, f32x4.mul(y, y))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2, y = load<f32>(py + o);
    store<f32>(pdx + o, load<f32>(pdy + o) * (1 - y * y));
  }
}

/** y = x for x > 0, slope·x otherwise */
export function leakyRelu(px: usize, py: usize, n: i32, slope: f32): void {
  const z = f32x4.splat(0), vs = f32x4.splat(slope);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2, x = v128.load(px + o);
    v128.store(py + o, v128.bitselect(x, f32x4.mul(x, vs), f32x4.gt(x, z)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2, x = load<f32>(px + o);
    store<f32>(py + o, x > 0 ? x : x * slope);
  }
}

/** dx = dy where y > 0, slope·dy otherwise (y = the leaky ReLU output; same sign as its input for slope > 0) */
export function leakyReluBackward(py: usize, pdy: usize, pdx: usize, n: i32, slope: f32): void {
  const z = f32x4.splat(0), vs = f32x4.splat(slope);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2, dy = v128.load(pdy + o);
    v128.store(pdx + o, v128.bitselect(dy, f32x4.mul(dy, vs), f32x4.gt(v128.load(py + o), z)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2, dy = load<f32>(pdy + o);
    store<f32>(pdx + o, load<f32>(py + o) > 0 ? dy : dy * slope);
  }
}

const GELU_C: f32 = 0.7978845608028654; // √(2/π)
const GELU_A: f32 = 0.044715;

/** y = ½x·(1 + tanh(√(2/π)·(x + 0.044715x³))) */
export function gelu(px: usize, py: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const x = load<f32>(px + (<usize>i << 2));
    store<f32>(py + (<usize>i << 2), 0.5 * x * (1 + Mathf.tanh(GELU_C * (x + GELU_A * x * x * x))));
  }
}

/** dx = dy · d gelu/dx, from the input x: ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²), t = tanh(…) */
export function geluBackward(px: usize, pdy: usize, pdx: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2, x = load<f32>(px + o), x2 = x * x;
    const t = Mathf.tanh(GELU_C * (x + GELU_A * x2 * x));
    const d: f32 = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * x2);
    store<f32>(pdx + o, load<f32>(pdy + o) * d);
  }
}
