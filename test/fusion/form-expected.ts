import type { FusionForm } from '../../src/fusion/forms.js';

/** Deployed score written out per form, independently of src/fusion/forms. */
export function expectedScore(
  form: FusionForm,
  w: number[],
  p: number[],
  v: number,
  offsets: number[],
  knots: number[][],
): number {
  const fl = (x: number) => Math.max(x, 1e-12);
  let s = form === 'linear' || form === 'rank' ? 0 : 1;
  p.forEach((x, t) => {
    if (form === 'linear') s += w[t] * x;
    else if (form === 'product' || form === 'expected-value') s *= fl(x) ** w[t];
    else if (form === 'ensemble') s *= (offsets[t] + x) ** w[t];
    else if (w[t] !== 0) {
      // percentile by a linear scan: the last knot ≤ x, interpolated to the next
      const q = knots[t];
      let pct = 0;
      if (x >= q[q.length - 1]) pct = 1;
      else if (x >= q[0]) {
        let j = 0;
        while (q[j + 1] <= x) j++;
        pct = (j + (x - q[j]) / (q[j + 1] - q[j])) / (q.length - 1);
      }
      s += w[t] * pct;
    }
  });
  return form === 'expected-value' ? s * fl(v) : s;
}
