// Pareto front of points scored on several objectives, all to be maximised (e.g. per-task AUCs of fusion
// weight vectors or of sweep trials). Shared by the fusion search and the sweep report.

/** True when a is at least as good as b on every objective and strictly better on one. */
export function dominates(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  let strictly = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k]! < b[k]!) return false;
    if (a[k]! > b[k]!) strictly = true;
  }
  return strictly;
}

/**
 * Indices of the non-dominated points, in input order. Points with a NaN objective never enter the front.
 * Sorting by the first objective (descending) means a point can only be dominated by one before it, so each point
 * is checked against the front found so far: O(n·f) for a front of size f.
 */
export function paretoFront(points: ArrayLike<number>[]): number[] {
  const order = points
    .map((_, i) => i)
    .filter((i) => Array.prototype.every.call(points[i]!, (v: number) => !Number.isNaN(v)))
    .sort((i, j) => points[j]![0]! - points[i]![0]! || lexDesc(points[i]!, points[j]!));
  const front: number[] = [];
  for (const i of order) {
    if (!front.some((f) => dominates(points[f]!, points[i]!) || sameAs(points[f]!, points[i]!))) front.push(i);
  }
  // Equal points: the first index is kept, the others are dropped as duplicates of it.
  return front.sort((a, b) => a - b);
}

function lexDesc(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let k = 1; k < a.length; k++) if (a[k] !== b[k]) return b[k]! - a[k]!;
  return 0;
}

function sameAs(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}
