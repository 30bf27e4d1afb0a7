// product: s = Π max(pᵢ, floor)^wᵢ, ranked through its logarithm Σ wᵢ·log max(pᵢ, floor) (log is increasing).
import { PRODUCT_FLOOR, logFloored, type FormDef } from './types.js';

export const productForm: FormDef = {
  scaleInvariant: true,
  deployAsSearched: false,
  usesValue: false,
  prepare: (p) => p.map(logFloored),
  score(weights, probs) {
    let s = 1;
    for (let t = 0; t < probs.length; t++) s *= Math.pow(Math.max(probs[t]!, PRODUCT_FLOOR), weights[t]!);
    return s;
  },
  formula: (used) => `score = ${used.map((u) => `max(p_${u.task}, 1e-12)^${u.w}`).join(' · ')}`,
  minScore: () => 0,
};
