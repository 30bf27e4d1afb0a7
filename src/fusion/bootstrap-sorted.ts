/**
 * The direct bootstrap, kept as the reference for the cell method (paired-auc.ts): each resample draws a weight
 * per row and each candidate's weighted AUC is one pass over its sorted rows. O(rows) per candidate and
 * resample — the tests' second implementation and the bench's yardstick.
 */
import type { Rng } from '../util/rng.js';
import { poisson } from './poisson.js';

/** Row weights of one resample (by group: groups drawn with replacement, a row weighs its group's count; by row: Poisson(1)). */
export function resampleWeights(rows: number, group: Int32Array | undefined, rng: Rng, out: Float64Array): void {
  if (!group) {
    for (let i = 0; i < rows; i++) out[i] = poisson(1, rng);
    return;
  }
  let groups = 0;
  for (let i = 0; i < rows; i++) groups = Math.max(groups, group[i] + 1);
  const count = new Float64Array(groups);
  for (let g = 0; g < groups; g++) count[rng.int(groups)]++;
  for (let i = 0; i < rows; i++) out[i] = group[i] >= 0 ? count[group[i]] : 0;
}

/**
 * Weighted midrank AUC (sklearn's sample_weight semantics) of a score whose ascending order is `order`:
 * one pass, tied scores counted ½.
 */
export function weightedAucSorted(
  order: Uint32Array,
  score: Float64Array,
  labels: Uint8Array,
  w: Float64Array,
): number {
  let negBelow = 0,
    pairs = 0,
    pos = 0,
    k = 0;
  const n = order.length;
  while (k < n) {
    const v = score[order[k]];
    let tieP = 0,
      tieN = 0;
    for (; k < n && score[order[k]] === v; k++) {
      const r = order[k];
      if (labels[r]) tieP += w[r];
      else tieN += w[r];
    }
    pairs += tieP * (negBelow + 0.5 * tieN);
    negBelow += tieN;
    pos += tieP;
  }
  return pos > 0 && negBelow > 0 ? pairs / (pos * negBelow) : NaN;
}

/** Each candidate's rows in ascending score order. */
export const sortedOrders = (scores: readonly Float64Array[]): Uint32Array[] =>
  scores.map((s) => Uint32Array.from(s.keys()).sort((a, b) => s[a] - s[b]));

/** values[c][b]: Σ weight·AUC of candidate c on resample b, every candidate sorted once (`orders`). */
export function sortedBootstrapValues(
  scores: readonly Float64Array[],
  objective: readonly { labels: Uint8Array; weight: number }[],
  group: Int32Array | undefined,
  resamples: number,
  rng: Rng,
  orders = sortedOrders(scores),
): Float64Array[] {
  const rows = scores[0].length;
  const values = scores.map(() => new Float64Array(resamples));
  const w = new Float64Array(rows);
  for (let b = 0; b < resamples; b++) {
    resampleWeights(rows, group, rng, w);
    scores.forEach((s, c) => {
      let v = 0;
      for (const term of objective) v += term.weight * weightedAucSorted(orders[c], s, term.labels, w);
      values[c][b] = v;
    });
  }
  return values;
}
