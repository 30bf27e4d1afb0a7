// PE-LTR's weight problem (Lin et al., RecSys 2019), solved exactly:
//   minimise ‖Σ αᵢ gᵢ‖²  subject to  αᵢ ≥ cᵢ, Σαᵢ = 1      (αᵢ = cᵢ + wᵢ in the paper's notation)
// The paper solves the problem without wᵢ ≥ 0 in closed form and then projects onto the feasible set,
// which is not the constrained optimum. Substituting α = c + s·β with s = 1 − Σc and β on the simplex gives
//   s²·βᵀGβ + 2s·(Gc)ᵀβ + const,
// a convex quadratic over the simplex that minNormOnSimplex solves exactly.
import { minNormOnSimplex } from './min-norm.js';

/** Returns α (the weights, Σα = 1, α ≥ c) for Gram matrix G and lower bounds c (Σc ≤ 1). */
export function paretoWeights(G: Float64Array, lower: readonly number[]): number[] {
  const T = lower.length;
  const slack = 1 - lower.reduce((a, c) => a + c, 0);
  if (slack <= 1e-12) return lower.map((c) => c / (1 - slack)); // bounds use the whole budget
  const A = G.map((v) => v * slack * slack);
  const b = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    let s = 0;
    for (let j = 0; j < T; j++) s += G[i * T + j]! * lower[j]!;
    b[i] = slack * s;
  }
  const beta = minNormOnSimplex(A, b);
  return lower.map((c, i) => c + slack * beta[i]!);
}
