// Mixture-of-experts kernels: row-wise softmax (the gates) and the gate-weighted sum of expert outputs, with
// their backward passes. Experts are separate arrays, passed as a list of pointers (i32 byte offsets).
// Every output element is computed in a fixed order (experts in list order), so results are repeatable.
import { at } from './simd';

/** y = softmax of each of the R rows of x (R×C). */
export function softmaxRows(px: usize, py: usize, R: i32, C: i32): void {
  for (let r = 0; r < R; r++) {
    const x = at(px, r * C), y = at(py, r * C);
    let mx = load<f32>(x);
    for (let c = 1; c < C; c++) mx = max<f32>(mx, load<f32>(at(x, c)));
    let s: f32 = 0;
    for (let c = 0; c < C; c++) {
      const e = Mathf.exp(load<f32>(at(x, c)) - mx);
      store<f32>(at(y, c), e);
      s += e;
    }
    const inv: f32 = 1 / s;
    for (let c = 0; c < C; c++) store<f32>(at(y, c), load<f32>(at(y, c)) * inv);
  }
}

/** dx (+)= y ⊙ (dy − rowdot(y, dy)) for softmax output y (R×C). */
export function softmaxBackward(py: usize, pdy: usize, pdx: usize, R: i32, C: i32, accumulate: i32): void {
  for (let r = 0; r < R; r++) {
    const y = at(py, r * C), dy = at(pdy, r * C), dx = at(pdx, r * C);
    let dot: f32 = 0;
    for (let c = 0; c < C; c++) dot += load<f32>(at(y, c)) * load<f32>(at(dy, c));
    for (let c = 0; c < C; c++) {
      const d = load<f32>(at(y, c)) * (load<f32>(at(dy, c)) - dot);
      store<f32>(at(dx, c), accumulate ? load<f32>(at(dx, c)) + d : d);
    }
  }
}

// @ts-ignore: decorator
@inline function expert(pList: usize, e: i32): usize {
  return <usize>load<i32>(at(pList, e));
}

/** out[i] = Σ_e gate[i, e]·experts[e][i] for B rows of width D; gate is B×E. */
export function mixExperts(pGate: usize, E: i32, pExperts: usize, B: i32, D: i32, pOut: usize): void {
  for (let i = 0; i < B; i++) {
    const o = at(pOut, i * D), row = <usize>(i * D) << 2;
    for (let e = 0; e < E; e++) {
      const w = load<f32>(at(pGate, i * E + e)), vw = f32x4.splat(w), x = expert(pExperts, e) + row;
      let d = 0;
      if (e == 0) {
        for (; d + 4 <= D; d += 4) v128.store(at(o, d), f32x4.mul(vw, v128.load(at(x, d))));
        for (; d < D; d++) store<f32>(at(o, d), w * load<f32>(at(x, d)));
      } else {
        for (; d + 4 <= D; d += 4) v128.store(at(o, d), f32x4.add(v128.load(at(o, d)), f32x4.mul(vw, v128.load(at(x, d)))));
        for (; d < D; d++) store<f32>(at(o, d), load<f32>(at(o, d)) + w * load<f32>(at(x, d)));
      }
    }
  }
}

/**
 * Backward of mixExperts for output gradient dy (B×D), accumulating: gateGrad[i, e] += dy[i]·experts[e][i]
 * (pGateGrad 0 = not wanted) and expertGrads[e][i] += gate[i, e]·dy[i] (list entry 0 = not wanted).
 */
export function mixExpertsBackward(pGate: usize, E: i32, pExperts: usize, pdy: usize, B: i32, D: i32, pGateGrad: usize, pExpertGrads: usize): void {
  for (let i = 0; i < B; i++) {
    const g = at(pdy, i * D), row = <usize>(i * D) << 2;
    for (let e = 0; e < E; e++) {
      if (pGateGrad) {
        const x = expert(pExperts, e) + row;
        let acc = f32x4.splat(0);
        let d = 0;
        for (; d + 4 <= D; d += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(at(g, d)), v128.load(at(x, d))));
        let dot = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
        for (; d < D; d++) dot += load<f32>(at(g, d)) * load<f32>(at(x, d));
        const gg = at(pGateGrad, i * E + e);
        store<f32>(gg, load<f32>(gg) + dot);
      }
      const pgx = expert(pExpertGrads, e);
      if (pgx) {
        const gx = pgx + row, w = load<f32>(at(pGate, i * E + e)), vw = f32x4.splat(w);
        let d = 0;
        for (; d + 4 <= D; d += 4) v128.store(at(gx, d), f32x4.add(v128.load(at(gx, d)), f32x4.mul(vw, v128.load(at(g, d)))));
        for (; d < D; d++) store<f32>(at(gx, d), load<f32>(at(gx, d)) + w * load<f32>(at(g, d)));
      }
    }
  }
}
