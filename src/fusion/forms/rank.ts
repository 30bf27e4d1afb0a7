/**
 * Rank-normalised linear mix: s = Σ wᵢ·qᵢ(pᵢ), where qᵢ maps a score to its percentile among the search split's
 * scores of task i — so tasks with very different score scales (a 10% click rate, a 0.1% order rate) mix on equal
 * footing. qᵢ is piecewise linear through RANK_KNOTS + 1 quantile knots fitted on the search split and stored in
 * fusion.json; the search scores the same qᵢ predict and serving apply, so the choice is exact for them.
 */
import type { FormDef } from './types.js';

/** Knots per task: percentiles at 0, 1/RANK_KNOTS, …, 1. */
export const RANK_KNOTS = 1000;

/** Ascending quantile knots of `scores` (the value at rank fraction k/RANK_KNOTS, lower order statistic). */
export function fitKnots(scores: Float64Array, knots = RANK_KNOTS): number[] {
  const sorted = Float64Array.from(scores).sort();
  const n = sorted.length;
  return Array.from({ length: knots + 1 }, (_, k) => sorted[Math.floor((k * (n - 1)) / knots)]!);
}

/**
 * Percentile of x in [0, 1]: 0 below the first knot, 1 from the last, linear between the last knot ≤ x and the
 * next (which is then > x), so equal knots (ties) never divide by zero and the map is non-decreasing.
 */
export function percentile(q: readonly number[], x: number): number {
  const K = q.length - 1;
  if (!(x >= q[0]!)) return 0;
  if (x >= q[K]!) return 1;
  let lo = 0,
    hi = K; // q[lo] ≤ x < q[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (q[mid]! <= x) lo = mid;
    else hi = mid;
  }
  return (lo + (x - q[lo]!) / (q[lo + 1]! - q[lo]!)) / K;
}

const knotsOf = (t: number, params: { knots?: number[][] }): number[] => {
  const q = params.knots?.[t];
  if (!q) throw new Error(`rank form: no quantile knots for task #${t}`); // fitted by fuse, validated by readFusion
  return q;
};

export const rankForm: FormDef = {
  scaleInvariant: true,
  deployAsSearched: true,
  usesValue: false,
  prepare(p, t, params) {
    const q = knotsOf(t, params);
    return p.map((x) => percentile(q, x));
  },
  score(weights, probs, params) {
    let s = 0;
    for (let t = 0; t < probs.length; t++)
      if (weights[t] !== 0) s += weights[t]! * percentile(knotsOf(t, params), probs[t]!);
    return s;
  },
  formula: (used) =>
    `score = ${used.map((u) => `${u.w}·pct(p_${u.task})`).join(' + ')}  (pct: percentile on the search split)`,
  minScore: () => -Infinity,
};
