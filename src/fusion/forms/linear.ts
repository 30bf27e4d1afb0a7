// linear: s = Σ wᵢ·pᵢ — the weighted sum runs over the scores themselves.
import type { FormDef } from './types.js';

export const linearForm: FormDef = {
  scaleInvariant: true,
  deployAsSearched: false,
  usesValue: false,
  prepare: (p) => p.slice(),
  score(weights, probs) {
    let s = 0;
    for (let t = 0; t < probs.length; t++) s += weights[t]! * probs[t]!;
    return s;
  },
  formula: (used) => `score = ${used.map((u) => `${u.w}·p_${u.task}`).join(' + ')}`,
  minScore: () => -Infinity,
};
