/**
 * Exact pair counting between two sorted score lists: the building block of midrank AUC.
 * A positive scored above a negative counts 1, a tie counts 1/2 (the Mann–Whitney statistic).
 */

/** Sort `a[lo, hi)` ascending in place: insertion sort for short runs (no call overhead), native sort otherwise. */
export function sortRange(a: Float64Array, lo: number, hi: number): void {
  if (hi - lo > 48) {
    a.subarray(lo, hi).sort();
    return;
  }
  for (let i = lo + 1; i < hi; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

/**
 * Σ over positives of (#negatives below + ½ #negatives equal), for ascending `pos[pLo,pHi)` and `neg[nLo,nHi)`.
 * Linear merge; both ranges must already be sorted.
 */
export function countWins(
  pos: Float64Array,
  pLo: number,
  pHi: number,
  neg: Float64Array,
  nLo: number,
  nHi: number,
): number {
  let wins = 0;
  let below = nLo; // first negative >= current positive
  for (let i = pLo; i < pHi; i++) {
    const v = pos[i];
    while (below < nHi && neg[below] < v) below++;
    let equalEnd = below;
    while (equalEnd < nHi && neg[equalEnd] === v) equalEnd++;
    wins += below - nLo + 0.5 * (equalEnd - below);
  }
  return wins;
}
