import { checkInputs, type Scores } from './check.js';

/** Mean prediction against the label rate; ratio > 1 means the model over-predicts. */
export function calibration(
  scores: Scores,
  labels: Uint8Array,
): { meanPrediction: number; labelRate: number; ratio: number } {
  checkInputs('calibration', scores, labels);
  let s = 0,
    y = 0;
  for (let i = 0; i < scores.length; i++) {
    s += scores[i];
    y += labels[i] ? 1 : 0;
  }
  const meanPrediction = s / scores.length,
    labelRate = y / scores.length;
  return { meanPrediction, labelRate, ratio: labelRate > 0 ? meanPrediction / labelRate : Infinity };
}
