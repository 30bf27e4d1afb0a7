import { checkInputs, type Scores } from './check.js';

/** Binary logloss, predictions clipped to [eps, 1 − eps]. */
export function logloss(scores: Scores, labels: Uint8Array, eps = 1e-7): number {
  checkInputs('logloss', scores, labels);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, scores[i]));
    sum -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return sum / scores.length;
}
