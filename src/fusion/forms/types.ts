import type { FUSION_FORMS } from '../../config/schema.js';

export type FusionForm = (typeof FUSION_FORMS)[number];

/** What a form needs beyond the weights, in task order; stored in fusion.json (keyed by task) for predict/serve. */
export interface FormParams {
  /** ensemble: bᵢ in Π (bᵢ + pᵢ)^wᵢ. */
  offsets?: number[];
  /** rank: each task's quantile knots on the search split (ascending), mapping a score to its percentile. */
  knots?: number[][];
  /** expected-value: the business value column (e.g. price) multiplied into the score. */
  value?: string;
}

/**
 * One fusion form. The search scores Σ wᵢ·prepare(pᵢ) (+ offset for forms with a fixed term), which ranks rows
 * exactly as `score` does, so the weights the search picks are the ones predict and serving apply.
 */
export interface FormDef {
  /** Scaling w by c > 0 keeps the ranking (so all weights 0 is a constant score, never deployed). */
  readonly scaleInvariant: boolean;
  /**
   * The deployed weights are the searched vector itself, not a normalised multiple, and the search scores each
   * vector as given: for forms whose sums tie often (rank: percentiles on a 1/K lattice) or that are not
   * scale-invariant, so that predict breaks ties bit for bit as the search did.
   */
  readonly deployAsSearched: boolean;
  /** Needs a business value column (ScoreSplit.value / the value input column). */
  readonly usesValue: boolean;
  /** The column the weighted sum runs over for task t. */
  prepare(p: Float64Array, t: number, params: FormParams): Float64Array;
  /** A term added with weight 1 to every ranking (expected-value: log value), or undefined. */
  offset?(value: Float64Array): Float64Array;
  /** The deployed score of one row from its per-task probabilities (and value). */
  score(weights: ArrayLike<number>, probs: ArrayLike<number>, params: FormParams, value: number): number;
  /** "score = …" with the used (non-zero) terms; tasks named, weights already rounded for print. */
  formula(used: { task: string; t: number; w: string }[], params: FormParams): string;
  /** The smallest score the form accepts for task t (a one-line error below it), or -Infinity. */
  minScore(t: number, params: FormParams): number;
}

/** Probabilities (and values) are floored here before a logarithm, so a 0 does not turn into −∞. */
export const PRODUCT_FLOOR = 1e-12;

export const logFloored = (x: number): number => Math.log(x > PRODUCT_FLOOR ? x : PRODUCT_FLOOR);
