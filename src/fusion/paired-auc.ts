/**
 * Weighted AUCs of several candidate scores under many resample weightings, without a pass over all rows per
 * candidate and resample. A weighted AUC only needs, for each positive, the total weight of the negatives below
 * it (ties ½). So the positives (of any label set — "singletons") keep their own weights, and every other row
 * only matters through where it falls among the positives under each candidate: its segment (below, or tied
 * with, each distinct positive score). Rows with the same segment under every candidate (and the same group, when
 * weights come by group) form a cell, and a resample only needs each cell's total weight: under the row bootstrap
 * a cell of k rows weighs Poisson(k) (a sum of k Poisson(1) draws), under the group bootstrap k × its group's
 * count. A resample then costs (cells + positives) per candidate instead of rows, and every candidate sees the
 * same row weights (a paired comparison).
 */
import { poisson } from './poisson.js';
import type { Rng } from '../util/rng.js';

interface CandidateLayout {
  /** Per cell: its segment, 2·(distinct positive scores below) + (1 if tied with one). */
  segOf: Uint32Array;
  /** Distinct positive scores, ascending: segments 0 … 2·D. */
  distinct: number;
  /** Singleton indices in ascending score order, and each one's tie segment 2d + 1. */
  order: Uint32Array;
  tieSeg: Uint32Array;
}

export class PairedAuc {
  /** Cells: row count and (by group) group id. */
  readonly cells: number;
  private readonly cellSize: Float64Array;
  private readonly cellGroup: Int32Array | null;
  /** Singleton rows: their group and label bits (bit l: positive in label set l). */
  private readonly single: Uint32Array;
  private readonly singleGroup: Int32Array | null;
  private readonly bits: Uint16Array;
  private readonly layouts: CandidateLayout[];
  private readonly groups: number;
  /** Scratch: weights of the cells and singletons in the current resample. */
  private readonly cellW: Float64Array;
  private readonly singleW: Float64Array;

  /**
   * `scores`: one column per candidate; `labels`: up to 16 label sets (AUC of each is computed); `group`: the
   * group of each row (≥ 0; a negative group leaves the row out) for the group bootstrap.
   */
  constructor(
    scores: readonly Float64Array[],
    private readonly labels: readonly Uint8Array[],
    group?: Int32Array,
  ) {
    if (labels.length > 16) throw new Error('PairedAuc: at most 16 label sets'); // fuse allows 16 tasks
    const n = scores[0].length;
    const singles: number[] = [];
    const isSingle = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (group && group[i] < 0) continue;
      if (labels.some((y) => y[i])) {
        isSingle[i] = 1;
        singles.push(i);
      }
    }
    this.single = Uint32Array.from(singles);
    this.bits = Uint16Array.from(singles, (i) => labels.reduce((b, y, l) => b | (y[i] ? 1 << l : 0), 0));
    this.singleGroup = group ? Int32Array.from(singles, (i) => group[i]) : null;
    let groups = 0;
    if (group) for (let i = 0; i < n; i++) groups = Math.max(groups, group[i] + 1);
    this.groups = groups;

    // Cell ids refined candidate by candidate: (previous cell, segment) pairs renumbered densely.
    let cell = new Float64Array(n).fill(-1);
    for (let i = 0; i < n; i++) if (!isSingle[i] && !(group && group[i] < 0)) cell[i] = group ? group[i] : 0;
    let count = group ? groups : 1;
    const segs: Uint32Array[] = [];
    const partial: Omit<CandidateLayout, 'segOf'>[] = [];
    for (const s of scores) {
      const vals = Float64Array.from(singles, (i) => s[i]);
      const distinct = uniqueSorted(vals);
      const D = distinct.length;
      const seg = new Uint32Array(n);
      for (let i = 0; i < n; i++) if (cell[i] >= 0) seg[i] = segment(distinct, s[i]);
      const tie = Uint32Array.from(vals, (v) => 2 * lowerBound(distinct, v) + 1);
      const order = Uint32Array.from(vals.keys()).sort((a, b) => vals[a] - vals[b]);
      partial.push({ distinct: D, order, tieSeg: tie });
      const next = new Float64Array(n).fill(-1);
      const ids = new NumberIds(Math.min(n, count * (2 * D + 1))); // at most one cell per row
      for (let i = 0; i < n; i++) if (cell[i] >= 0) next[i] = ids.id(cell[i] * (2 * D + 1) + seg[i]);
      cell = next;
      count = ids.size;
      segs.push(seg);
    }
    this.cells = count;
    this.cellSize = new Float64Array(count);
    this.cellGroup = group ? new Int32Array(count) : null;
    const firstRow = new Int32Array(count).fill(-1);
    for (let i = 0; i < n; i++) {
      const c = cell[i];
      if (c < 0) continue;
      this.cellSize[c]++;
      if (firstRow[c] < 0) firstRow[c] = i;
    }
    if (group) for (let c = 0; c < count; c++) this.cellGroup![c] = group[firstRow[c]];
    this.layouts = partial.map((p, k) => ({ ...p, segOf: Uint32Array.from(firstRow, (i) => segs[k][i]) }));
    this.cellW = new Float64Array(count);
    this.singleW = new Float64Array(singles.length);
  }

  get candidates(): number {
    return this.layouts.length;
  }

  /** Draws one resample's weights: Poisson by row, or each group's count of G draws with replacement. */
  draw(rng: Rng): void {
    if (!this.cellGroup) {
      for (let c = 0; c < this.cells; c++) this.cellW[c] = poisson(this.cellSize[c], rng);
      for (let j = 0; j < this.single.length; j++) this.singleW[j] = poisson(1, rng);
      return;
    }
    const counts = new Float64Array(this.groups);
    for (let g = 0; g < this.groups; g++) counts[rng.int(this.groups)]++;
    this.weighGroups(counts);
  }

  /** Sets the weights from a weight per group (a row weighs its group's weight): deterministic, for tests. */
  weighGroups(groupWeight: Float64Array): void {
    for (let c = 0; c < this.cells; c++) this.cellW[c] = groupWeight[this.cellGroup![c]] * this.cellSize[c];
    for (let j = 0; j < this.single.length; j++) this.singleW[j] = groupWeight[this.singleGroup![j]];
  }

  /** out[c·L + l] = weighted midrank AUC of candidate c for label set l under the current weights (NaN if undefined). */
  aucs(out: Float64Array): Float64Array {
    const L = this.labels.length;
    for (let k = 0; k < this.layouts.length; k++) {
      const { segOf, distinct: D, order, tieSeg } = this.layouts[k];
      const segW = new Float64Array(2 * D + 1);
      let cellsTotal = 0;
      for (let c = 0; c < this.cells; c++) {
        segW[segOf[c]] += this.cellW[c];
        cellsTotal += this.cellW[c];
      }
      // below[s] = weight of cell rows in segments < s
      const below = new Float64Array(2 * D + 2);
      for (let s = 0; s <= 2 * D; s++) below[s + 1] = below[s] + segW[s];
      for (let l = 0; l < L; l++) {
        const bit = 1 << l;
        let pairs = 0,
          pos = 0,
          neg = cellsTotal;
        // Singletons in score order, one tie group at a time: negatives among them below, and tied.
        let negBelow = 0,
          j = 0;
        while (j < order.length) {
          const s = tieSeg[order[j]];
          let tieP = 0,
            tieN = 0,
            pairsHere = 0;
          let e = j;
          for (; e < order.length && tieSeg[order[e]] === s; e++) {
            const q = order[e],
              w = this.singleW[q];
            if (this.bits[q] & bit) {
              tieP += w;
              pairsHere += w * (below[s] + 0.5 * segW[s]);
            } else tieN += w;
          }
          pairs += pairsHere + tieP * (negBelow + 0.5 * tieN);
          pos += tieP;
          negBelow += tieN;
          neg += tieN;
          j = e;
        }
        out[k * L + l] = pos > 0 && neg > 0 ? pairs / (pos * neg) : NaN;
      }
    }
    return out;
  }
}

/** Sorted distinct values. */
function uniqueSorted(v: Float64Array): Float64Array {
  const s = Float64Array.from(v).sort();
  let m = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[m - 1]) s[m++] = s[i];
  return s.subarray(0, m);
}

/** First index with a[i] >= v. */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** 2·(distinct values below v) + 1 when v equals one of them. */
function segment(distinct: Float64Array, v: number): number {
  const d = lowerBound(distinct, v);
  return 2 * d + (d < distinct.length && distinct[d] === v ? 1 : 0);
}

/** Dense ids for non-negative integer keys below 2^53 (open addressing, sized for at most `capacity` keys). */
class NumberIds {
  private readonly keys: Float64Array;
  private readonly vals: Int32Array;
  private readonly mask: number;
  size = 0;

  constructor(capacity: number) {
    let cap = 16;
    while (cap < capacity * 2) cap <<= 1;
    this.keys = new Float64Array(cap).fill(-1);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }

  id(key: number): number {
    let h = (Math.imul(key >>> 0, 0x9e3779b1) ^ Math.imul(Math.floor(key / 4294967296), 0x85ebca6b)) & this.mask;
    for (;;) {
      const k = this.keys[h];
      if (k === key) return this.vals[h];
      if (k === -1) {
        this.keys[h] = key;
        this.vals[h] = this.size;
        return this.size++;
      }
      h = (h + 1) & this.mask;
    }
  }
}
