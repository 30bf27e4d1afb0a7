/**
 * Exact Poisson draws for the row bootstrap: a cell of k rows, each weighing Poisson(1), weighs Poisson(k) in
 * total, so a cell's weight is one draw instead of k. Inversion for small means; for λ ≥ 10 the PTRS
 * transformed-rejection method (Hörmann 1993, "The transformed rejection method for generating Poisson random
 * variables"), exact and O(1) per draw.
 */
import type { Rng } from '../util/rng.js';

const logFactorialTable = Float64Array.from({ length: 256 }, (_, k) => {
  let s = 0;
  for (let i = 2; i <= k; i++) s += Math.log(i);
  return s;
});

/** log k! (Stirling series beyond the table; error far below double precision for k ≥ 256). */
function logFactorial(k: number): number {
  if (k < 256) return logFactorialTable[k];
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}

/** e^−k for the integer means of small cells (the common case), instead of an exp per draw. */
const EXP_NEG = Float64Array.from({ length: 10 }, (_, k) => Math.exp(-k));

export function poisson(lambda: number, rng: Rng): number {
  if (lambda <= 0) return 0;
  if (lambda < 10) {
    // Inversion: walk the cumulative probabilities e^−λ λ^k / k! until they pass u.
    const u = rng.float();
    let k = 0,
      p = Number.isInteger(lambda) ? EXP_NEG[lambda] : Math.exp(-lambda),
      cdf = p;
    while (u > cdf && k < 1000) {
      k++;
      p *= lambda / k;
      cdf += p;
    }
    return k;
  }
  const slam = Math.sqrt(lambda),
    loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam,
    a = -0.059 + 0.02483 * b,
    invAlpha = 1.1239 + 1.1328 / (b - 3.4),
    vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.float() - 0.5,
      v = rng.float(),
      us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k))
      return k;
  }
}
