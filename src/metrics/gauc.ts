import { MtrankError } from '../util/errors.js';
import { checkInputs, lowerBound, type Scores } from './check.js';
import { countWins, sortRange } from './pair-count.js';

/**
 * Group AUC: the impression-weighted mean of per-group AUCs, over the groups that hold both a positive and a
 * negative (other groups carry no ranking information and are left out). A group's weight is its row count.
 * Throws when no group qualifies.
 */
export function gauc(scores: Scores, labels: Uint8Array, groups: Int32Array): number {
  checkInputs('gauc', scores, labels);
  if (groups.length !== scores.length)
    throw new MtrankError(`gauc: ${groups.length} groups for ${scores.length} scores`);
  const { order, starts } = groupRows(groups);
  const pos = new Float64Array(scores.length);
  const neg = new Float64Array(scores.length);
  let weighted = 0,
    rows = 0;
  for (let g = 0; g + 1 < starts.length; g++) {
    let p = 0,
      q = 0;
    for (let k = starts[g]; k < starts[g + 1]; k++) {
      const i = order[k];
      if (labels[i]) pos[p++] = scores[i];
      else neg[q++] = scores[i];
    }
    if (p === 0 || q === 0) continue;
    sortRange(pos, 0, p);
    sortRange(neg, 0, q);
    weighted += (p + q) * (countWins(pos, 0, p, neg, 0, q) / (p * q));
    rows += p + q;
  }
  if (rows === 0) throw new MtrankError('gauc: undefined, no group holds both a positive and a negative');
  return weighted / rows;
}

/** Rows ordered by group (a counting sort over dense group ids); group g is order[starts[g] .. starts[g+1]). */
export function groupRows(groups: Int32Array): { order: Uint32Array; starts: Uint32Array } {
  const n = groups.length;
  const dense = new Uint32Array(n);
  let min = Infinity,
    max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (groups[i] < min) min = groups[i];
    if (groups[i] > max) max = groups[i];
  }
  let u: number;
  if (max - min < 4 * n + 1024) {
    // compact id range (the usual encoded ids): the offset is the dense id; empty ids make empty groups
    u = max - min + 1;
    for (let i = 0; i < n; i++) dense[i] = groups[i] - min;
  } else {
    const distinct = Int32Array.from(groups).sort();
    u = 0;
    for (let i = 0; i < n; i++) if (i === 0 || distinct[i] !== distinct[i - 1]) distinct[u++] = distinct[i];
    for (let i = 0; i < n; i++) dense[i] = lowerBound(distinct, u, groups[i]);
  }
  const starts = new Uint32Array(u + 1);
  for (let i = 0; i < n; i++) starts[dense[i] + 1]++;
  for (let g = 0; g < u; g++) starts[g + 1] += starts[g];
  const fill = starts.slice(0, u);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[fill[dense[i]]++] = i;
  return { order, starts };
}
