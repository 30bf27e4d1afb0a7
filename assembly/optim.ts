// Optimizer updates. The dense and the sparse (listed rows only) forms share one span update, so a sparse
// step equals the dense formula on the touched rows bit for bit. Separate mul and add (never FMA) keep the
// SIMD lanes and the scalar tail identical, and the relaxed and plain builds identical.

// @ts-ignore: decorator
@inline function adamSpan(
  pp: usize, pg: usize, pm: usize, pv: usize, n: i32,
  b1: f32, c1: f32, b2: f32, c2: f32, eps: f32, wd: f32, stepSize: f32, sq: f32,
): void {
  const vb1 = f32x4.splat(b1), vc1 = f32x4.splat(c1), vb2 = f32x4.splat(b2), vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(eps), vwd = f32x4.splat(wd), vstep = f32x4.splat(stepSize), vsq = f32x4.splat(sq);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(pp + o);
    const g = f32x4.add(v128.load(pg + o), f32x4.mul(vwd, p));
    const m = f32x4.add(f32x4.mul(vb1, v128.load(pm + o)), f32x4.mul(vc1, g));
    const v = f32x4.add(f32x4.mul(vb2, v128.load(pv + o)), f32x4.mul(f32x4.mul(vc2, g), g));
    v128.store(pm + o, m);
    v128.store(pv + o, v);
    const den = f32x4.add(f32x4.div(f32x4.sqrt(v), vsq), veps);
    v128.store(pp + o, f32x4.sub(p, f32x4.div(f32x4.mul(vstep, m), den)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(pp + o);
    const g = load<f32>(pg + o) + wd * p;
    const m = b1 * load<f32>(pm + o) + c1 * g;
    const v = b2 * load<f32>(pv + o) + c2 * g * g;
    store<f32>(pm + o, m);
    store<f32>(pv + o, v);
    store<f32>(pp + o, p - (stepSize * m) / (Mathf.sqrt(v) / sq + eps));
  }
}

export function adamDense(
  pp: usize, pg: usize, pm: usize, pv: usize, n: i32,
  b1: f32, c1: f32, b2: f32, c2: f32, eps: f32, wd: f32, stepSize: f32, sq: f32,
): void {
  adamSpan(pp, pg, pm, pv, n, b1, c1, b2, c2, eps, wd, stepSize, sq);
}

/** Rows rows[0..nRows) of a dim-wide table; grads holds nRows×dim values in the same order. */
export function adamSparse(
  pTable: usize, dim: i32, pRows: usize, nRows: i32, pGrads: usize, pm: usize, pv: usize,
  b1: f32, c1: f32, b2: f32, c2: f32, eps: f32, wd: f32, stepSize: f32, sq: f32,
): void {
  const rowB = <usize>dim << 2;
  for (let r = 0; r < nRows; r++) {
    const base = <usize>load<i32>(pRows + (<usize>r << 2)) * rowB;
    adamSpan(pTable + base, pGrads + <usize>r * rowB, pm + base, pv + base, dim, b1, c1, b2, c2, eps, wd, stepSize, sq);
  }
}

// @ts-ignore: decorator
@inline function adagradSpan(pp: usize, pg: usize, pa: usize, n: i32, lr: f32, eps: f32, wd: f32): void {
  const vlr = f32x4.splat(lr), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(pp + o);
    const g = f32x4.add(v128.load(pg + o), f32x4.mul(vwd, p));
    const a = f32x4.add(v128.load(pa + o), f32x4.mul(g, g));
    v128.store(pa + o, a);
    v128.store(pp + o, f32x4.sub(p, f32x4.div(f32x4.mul(vlr, g), f32x4.add(f32x4.sqrt(a), veps))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(pp + o);
    const g = load<f32>(pg + o) + wd * p;
    const a = load<f32>(pa + o) + g * g;
    store<f32>(pa + o, a);
    store<f32>(pp + o, p - (lr * g) / (Mathf.sqrt(a) + eps));
  }
}

export function adagradDense(pp: usize, pg: usize, pa: usize, n: i32, lr: f32, eps: f32, wd: f32): void {
  adagradSpan(pp, pg, pa, n, lr, eps, wd);
}

export function adagradSparse(pTable: usize, dim: i32, pRows: usize, nRows: i32, pGrads: usize, pa: usize, lr: f32, eps: f32, wd: f32): void {
  const rowB = <usize>dim << 2;
  for (let r = 0; r < nRows; r++) {
    const base = <usize>load<i32>(pRows + (<usize>r << 2)) * rowB;
    adagradSpan(pTable + base, pGrads + <usize>r * rowB, pa + base, dim, lr, eps, wd);
  }
}
