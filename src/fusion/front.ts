/**
 * The Pareto front of the searched weight vectors over the tasks' AUCs, from the metrics the search already
 * computed (every task's AUC per ranking, for 2–4 tasks): no second search. One entry per distinct ranking.
 */
import { paretoFront } from '../metrics/pareto.js';
import type { Scored } from './evaluator.js';

/** Above this many tasks the front is not computed (each ranking would need every task's AUC). */
export const FRONT_MAX_TASKS = 4;
/** Front points also scored on the test split (best first): beyond a few hundred they only add cost. */
export const FRONT_TESTED = 200;
/** Dominated rankings kept for the chart (best first). */
export const DOMINATED_KEPT = 2000;

export interface FrontSplit {
  /** Non-dominated rankings, in rank order (feasible first, then objective). */
  front: Scored[];
  /** The others, best first, at most DOMINATED_KEPT. */
  dominated: Scored[];
}

/**
 * `ranked` sorted best first. Left out: rankings whose AUCs for tasks 0 … T−1 are not all computed, and the
 * all-zero weights (a constant score, AUC 0.5 everywhere: no ranking at all).
 */
export function splitFront(ranked: readonly Scored[], T: number): FrontSplit {
  const seen = new Set<string>();
  const distinct = ranked.filter(
    (s) => !seen.has(s.key) && seen.add(s.key) && complete(s, T) && s.weights.some((w) => w !== 0),
  );
  const onFront = new Set(paretoFront(distinct.map((s) => s.metrics.subarray(0, T))));
  return {
    front: distinct.filter((_, i) => onFront.has(i)),
    dominated: distinct.filter((_, i) => !onFront.has(i)).slice(0, DOMINATED_KEPT),
  };
}

function complete(s: Scored, T: number): boolean {
  for (let t = 0; t < T; t++) if (Number.isNaN(s.metrics[t])) return false;
  return true;
}
