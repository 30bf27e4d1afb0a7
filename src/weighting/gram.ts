// Inner products of the per-task gradients, the only thing the gradient-based solvers need from the
// (large) gradient vectors. Accumulated in float64 in one blocked pass: every block of all T vectors
// is read once while it is in cache, so the cost is one sweep over memory, not T(T+1)/2 sweeps.
import { MtrankError } from '../util/errors.js';

const BLOCK = 2048;

/** Row-major T×T Gram matrix G[a*T+b] = g_a · g_b, in float64. */
export function gramMatrix(grads: readonly Float32Array[], label = 'gradients'): Float64Array {
  const T = grads.length, n = T ? grads[0]!.length : 0;
  const G = new Float64Array(T * T);
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let a = 0; a < T; a++) {
      const ga = grads[a]!;
      for (let b = a; b < T; b++) {
        const gb = grads[b]!;
        let s = 0;
        for (let j = start; j < end; j++) s += ga[j]! * gb[j]!;
        G[a * T + b] += s;
      }
    }
  }
  for (let a = 0; a < T; a++) {
    for (let b = 0; b < a; b++) G[a * T + b] = G[b * T + a]!;
    if (!Number.isFinite(G[a * T + a]!)) throw new MtrankError(`${label}: task ${a} has a non-finite gradient`);
  }
  return G;
}

/** out[j] = Σ_t coeffs[t]·grads[t][j], in one pass. */
export function linearCombination(grads: readonly Float32Array[], coeffs: ArrayLike<number>): Float32Array {
  const n = grads[0]!.length, out = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let t = 0; t < grads.length; t++) s += coeffs[t]! * grads[t]![j]!;
    out[j] = s;
  }
  return out;
}

/** ‖g_t‖² per task, in float64 (the Gram diagonal, for methods that need only norms). */
export function squaredNorms(grads: readonly Float32Array[], label = 'gradients'): number[] {
  return grads.map((g, t) => {
    let s = 0;
    for (let j = 0; j < g.length; j++) s += g[j]! * g[j]!;
    if (!Number.isFinite(s)) throw new MtrankError(`${label}: task ${t} has a non-finite gradient`);
    return s;
  });
}
