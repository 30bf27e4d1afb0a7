/**
 * Bootstrap intervals for the objective of the top candidates, and a choice that does not chase noise.
 * Each resample gives every row an integer weight — by group when the split has a group column (groups drawn
 * with replacement, a row weighs its group's count), else by row (Poisson(1) per row, the standard large-n
 * bootstrap) — and every candidate is scored on the same resample, so candidates are compared pairwise.
 * A candidate is clearly beaten when another one scores higher on at least BEATEN_SHARE of the resamples; of
 * the rest, the one with the highest lower interval bound is chosen (the point estimate of a task with few
 * positives moves by hundredths between samples, its lower bound much less).
 */
import { Rng } from '../util/rng.js';

export const BEATEN_SHARE = 0.975;

export interface BootstrapCandidate {
  objective: number;
  /** 2.5% and 97.5% quantiles of the objective over the resamples. */
  lo: number;
  hi: number;
  /** Index of a candidate that beats this one on ≥ BEATEN_SHARE of the resamples, if any. */
  beatenBy?: number;
}

export interface BootstrapResult {
  resamples: number;
  by: 'group' | 'row';
  candidates: BootstrapCandidate[];
  /** Index into candidates of the chosen one. */
  chosen: number;
}

/** A candidate: its fused score per row, and the (task labels, weight) terms of its objective Σ wₜ·AUCₜ. */
export interface BootstrapInput {
  scores: Float64Array[];
  objective: { labels: Uint8Array; weight: number }[];
  group?: Int32Array;
  resamples: number;
  seed: number;
}

/** Poisson(1) by inversion: e^−1 · 1/k! summed until it passes u. */
function poisson1(rng: Rng): number {
  const u = rng.float();
  let k = 0,
    p = Math.exp(-1),
    cdf = p;
  while (u > cdf && k < 30) {
    k++;
    p /= k;
    cdf += p;
  }
  return k;
}

/** Row weights of one resample (by group or by row). */
export function resampleWeights(rows: number, group: Int32Array | undefined, rng: Rng, out: Float64Array): void {
  if (!group) {
    for (let i = 0; i < rows; i++) out[i] = poisson1(rng);
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

const quantile = (sorted: Float64Array, q: number): number => {
  const x = q * (sorted.length - 1),
    i = Math.floor(x);
  return i + 1 < sorted.length ? sorted[i] + (x - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
};

export function bootstrapChoice(o: BootstrapInput): BootstrapResult {
  const C = o.scores.length,
    rows = o.scores[0].length,
    B = o.resamples;
  const orders = o.scores.map((s) => {
    const idx = new Uint32Array(rows);
    for (let i = 0; i < rows; i++) idx[i] = i;
    return idx.sort((a, b) => s[a] - s[b]);
  });
  const values = o.scores.map(() => new Float64Array(B));
  const w = new Float64Array(rows),
    rng = new Rng(o.seed).fork('fusion-bootstrap');
  for (let b = 0; b < B; b++) {
    resampleWeights(rows, o.group, rng, w);
    for (let c = 0; c < C; c++) {
      let v = 0;
      for (const term of o.objective) v += term.weight * weightedAucSorted(orders[c], o.scores[c], term.labels, w);
      values[c][b] = v;
    }
  }
  const candidates: BootstrapCandidate[] = values.map((v) => {
    const sorted = Float64Array.from(v.filter((x) => !Number.isNaN(x))).sort();
    return { objective: NaN, lo: quantile(sorted, 0.025), hi: quantile(sorted, 0.975) };
  });
  for (let c = 0; c < C; c++)
    for (let d = 0; d < C && candidates[c].beatenBy === undefined; d++) {
      if (d === c) continue;
      let wins = 0;
      for (let b = 0; b < B; b++) if (values[d][b] > values[c][b]) wins++;
      if (wins >= BEATEN_SHARE * B) candidates[c].beatenBy = d;
    }
  let chosen = 0;
  for (let c = 1; c < C; c++)
    if (
      candidates[c].beatenBy === undefined &&
      (candidates[chosen].beatenBy !== undefined || candidates[c].lo > candidates[chosen].lo)
    )
      chosen = c;
  return { resamples: B, by: o.group ? 'group' : 'row', candidates, chosen };
}
