/**
 * Expected value: s = max(v, floor) · Π max(pᵢ, floor)^wᵢ with a business value column v (price, GMV) — with all
 * exponents 1 on a click→cart→order funnel it is p_click·p_cart·p_order·price, the expected revenue of showing the
 * item; the search tunes the exponents. Ranked through log v + Σ wᵢ·log pᵢ: the value term has the fixed weight 1,
 * so this form is NOT scale-invariant (each weight vector is its own ranking; weights are deployed as searched),
 * and all exponents 0 ranks by value alone.
 */
import { PRODUCT_FLOOR, logFloored, type FormDef } from './types.js';

export const expectedValueForm: FormDef = {
  scaleInvariant: false,
  deployAsSearched: true,
  usesValue: true,
  prepare: (p) => p.map(logFloored),
  offset: (value) => value.map(logFloored),
  score(weights, probs, _params, value) {
    let s = Math.max(value, PRODUCT_FLOOR);
    for (let t = 0; t < probs.length; t++) s *= Math.pow(Math.max(probs[t]!, PRODUCT_FLOOR), weights[t]!);
    return s;
  },
  formula: (used, params) =>
    `score = ${[`max(${params.value ?? 'value'}, 1e-12)`, ...used.map((u) => `max(p_${u.task}, 1e-12)^${u.w}`)].join(' · ')}`,
  minScore: () => 0,
};
