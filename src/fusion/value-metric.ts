/**
 * Value-weighted ranking metrics of a fused score, for objectives that aim at revenue rather than a label:
 * - value-auc:  AUC where each positive counts with its value vᵢ (GMV, price): Σ_pos vᵢ·(negatives below + ½ tied)
 *               / (Σ_pos vᵢ · negatives). With every value 1 it is the ordinary AUC.
 * - value-ndcg: mean NDCG per group with gain vᵢ·yᵢ (discount 1/log2(1 + rank), optional cut-off k); rows tied
 *               on the score share the mean discount of the positions they span (the expectation over tie
 *               orders, so the figure does not depend on row order). Groups without gain are left out.
 * Rows are in the scorer's order (grouped for value-ndcg). One instance per scorer thread (owns its scratch).
 */
export interface ValueMetricData {
  kind: 'value-auc' | 'value-ndcg';
  labels: Uint8Array;
  values: Float64Array;
  /** value-ndcg: flattened [lo, hi) row ranges of the groups with gain, in (grouped) row order. */
  segments?: Uint32Array;
  k?: number;
}

export class ValueMetric {
  private readonly posRows: Uint32Array;
  private readonly posScore: Float64Array;
  private readonly posValue: Float64Array;
  private readonly order: Uint32Array;
  private readonly below: Float64Array;
  private readonly tied: Float64Array;
  private readonly totalValue: number;
  private readonly negatives: number;
  /** value-ndcg: cumulative discounts D[r] = Σ_{j ≤ r} d(j), and each segment's ideal DCG. */
  private readonly cumDiscount: Float64Array;
  private readonly ideal: Float64Array;

  constructor(private readonly d: ValueMetricData) {
    const rows: number[] = [];
    let total = 0;
    for (let i = 0; i < d.labels.length; i++)
      if (d.labels[i]) {
        rows.push(i);
        total += d.values[i]!;
      }
    this.posRows = Uint32Array.from(rows);
    this.totalValue = total;
    this.negatives = d.labels.length - rows.length;
    const P = rows.length;
    this.posScore = new Float64Array(P);
    this.posValue = new Float64Array(P);
    this.order = new Uint32Array(Math.max(P, longestSegment(d.segments)));
    this.below = new Float64Array(P + 1);
    this.tied = new Float64Array(P + 1);
    const longest = longestSegment(d.segments);
    this.cumDiscount = new Float64Array(longest + 1);
    for (let r = 1; r <= longest; r++)
      this.cumDiscount[r] = this.cumDiscount[r - 1]! + (d.k === undefined || r <= d.k ? 1 / Math.log2(r + 1) : 0);
    this.ideal = this.idealDcgs();
  }

  of(score: Float64Array): number {
    return this.d.kind === 'value-auc' ? this.valueAuc(score) : this.ndcg(score);
  }

  /**
   * Positives sorted by score once; each negative is placed among them by binary search (O(N log P)): it is below
   * every positive from the first one scoring above it, and tied with those scoring the same.
   */
  private valueAuc(score: Float64Array): number {
    const P = this.posRows.length,
      { posScore, posValue, order, below, tied } = this;
    for (let k = 0; k < P; k++) order[k] = k;
    const ord = order.subarray(0, P).sort((a, b) => score[this.posRows[a]!]! - score[this.posRows[b]!]!);
    for (let k = 0; k < P; k++) {
      const r = this.posRows[ord[k]!]!;
      posScore[k] = score[r]!;
      posValue[k] = this.d.values[r]!;
    }
    below.fill(0);
    tied.fill(0);
    const y = this.d.labels;
    for (let i = 0; i < score.length; i++) {
      if (y[i]) continue;
      const x = score[i]!;
      const lo = lowerBound(posScore, P, x),
        hi = upperBound(posScore, P, x, lo);
      below[hi]! += 1; // positives hi… score above x
      tied[lo]! += 1;
      tied[hi]! -= 1;
    }
    let num = 0,
      negBelow = 0,
      negTied = 0;
    for (let k = 0; k < P; k++) {
      negBelow += below[k]!;
      negTied += tied[k]!;
      num += posValue[k]! * (negBelow + 0.5 * negTied);
    }
    return num / (this.totalValue * this.negatives);
  }

  private ndcg(score: Float64Array): number {
    const seg = this.d.segments!,
      { order, cumDiscount } = this;
    const gain = (r: number) => (this.d.labels[r] ? this.d.values[r]! : 0);
    let sum = 0;
    for (let s = 0; s < seg.length; s += 2) {
      const lo = seg[s]!,
        n = seg[s + 1]! - lo;
      for (let k = 0; k < n; k++) order[k] = lo + k;
      const ord = order.subarray(0, n).sort((a, b) => score[b]! - score[a]!);
      let dcg = 0;
      for (let a = 0; a < n;) {
        let b = a + 1;
        while (b < n && score[ord[b]!] === score[ord[a]!]) b++;
        let g = 0;
        for (let k = a; k < b; k++) g += gain(ord[k]!);
        if (g > 0) dcg += (g * (cumDiscount[b]! - cumDiscount[a]!)) / (b - a);
        a = b;
      }
      sum += dcg / this.ideal[s / 2]!;
    }
    return sum / (seg.length / 2);
  }

  private idealDcgs(): Float64Array {
    const seg = this.d.segments ?? new Uint32Array(0);
    const out = new Float64Array(seg.length / 2);
    for (let s = 0; s < seg.length; s += 2) {
      const gains: number[] = [];
      for (let r = seg[s]!; r < seg[s + 1]!; r++) gains.push(this.d.labels[r] ? this.d.values[r]! : 0);
      gains.sort((a, b) => b - a);
      out[s / 2] = gains.reduce((acc, g, k) => acc + g * (this.cumDiscount[k + 1]! - this.cumDiscount[k]!), 0);
    }
    return out;
  }
}

function longestSegment(seg: Uint32Array | undefined): number {
  let m = 0;
  if (seg) for (let s = 0; s < seg.length; s += 2) m = Math.max(m, seg[s + 1]! - seg[s]!);
  return m;
}

/** First k in [0, n) with a[k] ≥ x (n if none). */
function lowerBound(a: Float64Array, n: number, x: number): number {
  let lo = 0,
    hi = n;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m]! < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** First k in [from, n) with a[k] > x (n if none). */
function upperBound(a: Float64Array, n: number, x: number, from: number): number {
  let lo = from,
    hi = n;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m]! <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * value-ndcg segments: [lo, hi) of each group (rows already grouped: `starts` are the group boundaries) that has
 * some gain (a positive with value > 0).
 */
export function gainSegments(
  starts: ArrayLike<number>,
  order: ArrayLike<number>,
  labels: Uint8Array,
  values: Float64Array,
): Uint32Array {
  const out: number[] = [];
  for (let g = 0; g + 1 < starts.length; g++) {
    let gain = false;
    for (let k = starts[g]!; k < starts[g + 1]! && !gain; k++) gain = labels[order[k]!] === 1 && values[order[k]!]! > 0;
    if (gain) out.push(starts[g]!, starts[g + 1]!);
  }
  return Uint32Array.from(out);
}
