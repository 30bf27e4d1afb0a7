import { MtrankError } from '../util/errors.js';

export type Scores = Float32Array | Float64Array;

/** Same lengths, at least one row, finite scores and non-negative finite weights — else a clear error. */
export function checkInputs(name: string, scores: Scores, labels: Uint8Array, weights?: Scores): void {
  if (labels.length !== scores.length)
    throw new MtrankError(`${name}: ${labels.length} labels for ${scores.length} scores`);
  if (scores.length === 0) throw new MtrankError(`${name}: no rows`);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new MtrankError(`${name}: score at row ${i} is ${scores[i]}`);
  }
  if (weights) {
    if (weights.length !== scores.length)
      throw new MtrankError(`${name}: ${weights.length} weights for ${scores.length} scores`);
    for (let i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0) || !Number.isFinite(weights[i]))
        throw new MtrankError(`${name}: weight at row ${i} is ${weights[i]}`);
    }
  }
}

/** First index in sorted[0, size) whose value is >= v. */
export function lowerBound(sorted: ArrayLike<number>, size: number, v: number): number {
  let lo = 0,
    hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
