/**
 * Bootstrap intervals for the objective of the top candidates, and a choice that does not chase noise.
 * Each resample weighs every row — by group when the split has a group column (groups drawn with replacement, a
 * row weighs its group's count), else by row (Poisson(1) per row, the standard large-n bootstrap) — and every
 * candidate is scored on the same resample (PairedAuc), so candidates are compared pairwise.
 *
 * The choice (chooseCandidate): the point-best — the first candidate, as ranked by the exact search — unless it
 * is clearly beaten, i.e. another candidate scores higher on at least BEATEN_SHARE of the resamples (then the
 * best-ranked candidate nobody clearly beats leads). The candidates the leader does not clearly beat are
 * statistically tied with it; among them the tie-break is the cost to the other tasks (how much AUC the fusion
 * takes from them against their own scores, summed): a tied candidate replaces the leader only when it costs at
 * least COST_MARGIN less, and then the best-ranked among the cheapest (within COST_MARGIN) wins. Without such
 * costs (one task), or when the leader is about as cheap, the point-best stays.
 */
import { Rng } from '../util/rng.js';
import { PairedAuc } from './paired-auc.js';

export const BEATEN_SHARE = 0.975;
/** Less cost to the other tasks (sum of AUC losses) that justifies leaving the point-best for a tied candidate. */
export const COST_MARGIN = 0.001;

export interface BootstrapCandidate {
  objective: number;
  /** 2.5% and 97.5% quantiles of the objective over the resamples. */
  lo: number;
  hi: number;
  /** Index of a candidate that beats this one on ≥ BEATEN_SHARE of the resamples, if any. */
  beatenBy?: number;
  /** Statistically tied with the leader (the leader itself included). */
  tied: boolean;
  /** AUC the other tasks lose against their own scores (summed), when given. */
  cost?: number;
}

export interface BootstrapResult {
  resamples: number;
  by: 'group' | 'row';
  candidates: BootstrapCandidate[];
  /** Index into candidates of the chosen one. */
  chosen: number;
  /** Why: the point-best kept, the point-best clearly beaten, or a tied candidate cheaper for the other tasks. */
  reason: 'point-best' | 'beaten' | 'cheaper';
}

/** Candidates (best first, by the exact search): fused score per row, objective terms Σ wₜ·AUCₜ, optional costs. */
export interface BootstrapInput {
  scores: Float64Array[];
  objective: { labels: Uint8Array; weight: number }[];
  group?: Int32Array;
  resamples: number;
  seed: number;
  /** Per candidate: the other tasks' summed AUC loss against their own scores (the tie-break). */
  cost?: number[];
}

const quantile = (sorted: Float64Array, q: number): number => {
  const x = q * (sorted.length - 1),
    i = Math.floor(x);
  return i + 1 < sorted.length ? sorted[i] + (x - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
};

/** values[c][b]: the objective of candidate c on resample b (paired: one weighting per resample for all). */
export function bootstrapValues(o: BootstrapInput): Float64Array[] {
  const sets = [...new Set(o.objective.map((t) => t.labels))];
  const paired = new PairedAuc(o.scores, sets, o.group);
  const C = o.scores.length,
    L = sets.length,
    B = o.resamples;
  const values = o.scores.map(() => new Float64Array(B));
  const aucs = new Float64Array(C * L);
  const rng = new Rng(o.seed).fork('fusion-bootstrap');
  for (let b = 0; b < B; b++) {
    paired.draw(rng);
    paired.aucs(aucs);
    for (let c = 0; c < C; c++) {
      let v = 0;
      for (const t of o.objective) v += t.weight * aucs[c * L + sets.indexOf(t.labels)];
      values[c][b] = v;
    }
  }
  return values;
}

export function bootstrapChoice(o: BootstrapInput): BootstrapResult {
  const values = bootstrapValues(o);
  return { resamples: o.resamples, by: o.group ? 'group' : 'row', ...chooseCandidate(values, o.cost) };
}

/** Share of resamples on which d scores above c. */
function winShare(d: Float64Array, c: Float64Array): number {
  let wins = 0;
  for (let b = 0; b < c.length; b++) if (d[b] > c[b]) wins++;
  return wins / c.length;
}

/** The rule in the header, on values[c][b] (candidates best first). */
export function chooseCandidate(
  values: Float64Array[],
  cost?: number[],
): Pick<BootstrapResult, 'candidates' | 'chosen' | 'reason'> {
  const C = values.length;
  const candidates: BootstrapCandidate[] = values.map((v, c) => {
    const sorted = Float64Array.from(v.filter((x) => !Number.isNaN(x))).sort();
    return {
      objective: NaN,
      lo: quantile(sorted, 0.025),
      hi: quantile(sorted, 0.975),
      tied: false,
      ...(cost ? { cost: cost[c] } : {}),
    };
  });
  for (let c = 0; c < C; c++)
    for (let d = 0; d < C && candidates[c].beatenBy === undefined; d++)
      if (d !== c && winShare(values[d], values[c]) >= BEATEN_SHARE) candidates[c].beatenBy = d;
  let leader = candidates.findIndex((c) => c.beatenBy === undefined);
  if (leader < 0) leader = 0; // a cycle of "clear" wins cannot happen with a share above ½; kept total
  for (let c = 0; c < C; c++) candidates[c].tied = c === leader || winShare(values[leader], values[c]) < BEATEN_SHARE;
  let chosen = leader;
  if (cost) {
    const tied = candidates.map((_, c) => c).filter((c) => candidates[c].tied);
    const cheapest = Math.min(...tied.map((c) => cost[c]));
    if (cost[leader] > cheapest + COST_MARGIN) chosen = tied.find((c) => cost[c] <= cheapest + COST_MARGIN)!;
  }
  return { candidates, chosen, reason: chosen !== leader ? 'cheaper' : leader !== 0 ? 'beaten' : 'point-best' };
}

/** 95% bootstrap intervals of a fused score's AUC and of its change against the task's own score. */
export interface AucInterval {
  auc: [number, number];
  change: [number, number];
}

/** Paired resamples (as bootstrapValues) of AUC(fused) and AUC(fused) − AUC(own) for one task's labels. */
export function aucInterval(
  fused: Float64Array,
  own: Float64Array,
  labels: Uint8Array,
  group: Int32Array | undefined,
  resamples: number,
  seed: number,
): AucInterval {
  const paired = new PairedAuc([fused, own], [labels], group);
  const a = new Float64Array(resamples),
    d = new Float64Array(resamples),
    out = new Float64Array(2);
  const rng = new Rng(seed).fork('fusion-auc-interval');
  for (let b = 0; b < resamples; b++) {
    paired.draw(rng);
    paired.aucs(out);
    a[b] = out[0];
    d[b] = out[0] - out[1];
  }
  const range = (v: Float64Array): [number, number] => {
    const s = Float64Array.from(v.filter((x) => !Number.isNaN(x))).sort();
    return [quantile(s, 0.025), quantile(s, 0.975)];
  };
  return { auc: range(a), change: range(d) };
}
