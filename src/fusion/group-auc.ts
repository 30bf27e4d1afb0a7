/**
 * GAUC of a fused score: the impression-weighted mean of per-group AUCs over the groups that hold both classes
 * (same definition as metrics/gauc). Rows are arranged group by group once, up front, so each combination only
 * sorts the small per-group slices.
 */
import { countWins, sortRange } from '../metrics/pair-count.js';
import { groupRows } from '../metrics/gauc.js';

/** [lo, hi) row ranges, flattened, of the groups holding both classes of `labels` — in grouped row order. */
export interface GroupLayout {
  /** Row permutation that makes every group contiguous (apply it to every column). */
  order: Uint32Array;
  /** For each task: flattened [lo0, hi0, lo1, hi1, …] of its two-class groups, in permuted row positions. */
  segments: Uint32Array[];
}

export function groupLayout(groups: Int32Array, labels: readonly Uint8Array[]): GroupLayout {
  const { order, starts } = groupRows(groups);
  const segments = labels.map((y) => {
    const out: number[] = [];
    for (let g = 0; g + 1 < starts.length; g++) {
      let p = 0;
      for (let k = starts[g]; k < starts[g + 1]; k++) p += y[order[k]] ? 1 : 0;
      if (p > 0 && p < starts[g + 1] - starts[g]) out.push(starts[g], starts[g + 1]);
    }
    return Uint32Array.from(out);
  });
  return { order, segments };
}

export class GroupAuc {
  private readonly pos: Float64Array;
  private readonly neg: Float64Array;

  constructor(rows: number) {
    this.pos = new Float64Array(rows);
    this.neg = new Float64Array(rows);
  }

  /** GAUC of `score` (rows in grouped order) for labels over the given two-class group segments. */
  gauc(score: Float64Array, labels: Uint8Array, segments: Uint32Array): number {
    const { pos, neg } = this;
    let weighted = 0,
      rows = 0;
    for (let s = 0; s < segments.length; s += 2) {
      const lo = segments[s],
        hi = segments[s + 1];
      let p = 0,
        q = 0;
      for (let i = lo; i < hi; i++) {
        if (labels[i]) pos[p++] = score[i];
        else neg[q++] = score[i];
      }
      sortRange(pos, 0, p);
      sortRange(neg, 0, q);
      weighted += (hi - lo) * (countWins(pos, 0, p, neg, 0, q) / (p * q));
      rows += hi - lo;
    }
    return rows > 0 ? weighted / rows : 0.5;
  }
}
