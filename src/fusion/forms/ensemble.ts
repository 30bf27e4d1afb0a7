/**
 * Ensemble sort: s = Π (bᵢ + pᵢ)^wᵢ with a positive offset bᵢ per task (config `fusion.offsets`, default 1).
 * The offset softens the product: a task with a tiny probability pulls the score down less than in Π pᵢ^wᵢ.
 * Ranked through Σ wᵢ·log(bᵢ + pᵢ); scale-invariant in w like the product.
 */
import type { FormDef } from './types.js';

export const DEFAULT_OFFSET = 1;

const offsetOf = (t: number, params: { offsets?: number[] }): number => params.offsets?.[t] ?? DEFAULT_OFFSET;

export const ensembleForm: FormDef = {
  scaleInvariant: true,
  deployAsSearched: false,
  usesValue: false,
  prepare(p, t, params) {
    const b = offsetOf(t, params);
    return p.map((x) => Math.log(b + x));
  },
  score(weights, probs, params) {
    let s = 1;
    for (let t = 0; t < probs.length; t++) s *= Math.pow(offsetOf(t, params) + probs[t]!, weights[t]!);
    return s;
  },
  formula: (used, params) =>
    `score = ${used.map((u) => `(${offsetOf(u.t, params)} + p_${u.task})^${u.w}`).join(' · ')}`,
  // b + p must stay > 0 for the logarithm (and for a real power): p ≥ 0 is what a probability gives
  minScore: () => 0,
};
