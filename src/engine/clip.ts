import { sumSquares, scale } from './kernels.js';
import type { ParamStore } from './params.js';

/**
 * Scale all gradients (dense, and the tables' sparse rows) so that their global L2 norm is at most
 * maxNorm; returns the norm before clipping. Call after the last backward pass of the step.
 */
export function clipGradNorm(store: ParamStore, maxNorm: number): number {
  let sq = 0;
  for (const p of store.params()) if (!p.frozen) sq += sumSquares(p.grad, p.size);
  for (const t of store.tables())
    if (!t.frozen && t.hasGrad) {
      const v = t.sparseGrad().values;
      sq += sumSquares(v, v.length);
    }
  const norm = Math.sqrt(sq);
  if (!(maxNorm > 0) || !(norm > maxNorm)) return norm;
  const c = maxNorm / (norm + 1e-6);
  for (const p of store.params()) if (!p.frozen) scale(p.size, c, p.grad);
  for (const t of store.tables())
    if (!t.frozen && t.hasGrad) {
      const v = t.sparseGrad().values;
      scale(v.length, c, v);
    }
  return norm;
}
