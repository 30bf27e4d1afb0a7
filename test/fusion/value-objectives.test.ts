import { describe, expect, it } from 'vitest';
import { fuse, parseObjective, type ScoreSplit } from '../../src/fusion/index.js';
import { fusedColumn } from '../../src/fusion/forms.js';
import { ValueMetric, gainSegments } from '../../src/fusion/value-metric.js';
import { groupRows } from '../../src/metrics/gauc.js';
import { Rng } from '../../src/util/rng.js';
import { fuseOptions } from './options.js';

/** Σ over (positive i, negative j) of vᵢ·[sᵢ > sⱼ] + ½vᵢ·[sᵢ = sⱼ], over Σ vᵢ·N: every pair visited. */
function bruteValueAuc(s: ArrayLike<number>, y: ArrayLike<number>, v: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < s.length; i++) {
    if (!y[i]) continue;
    for (let j = 0; j < s.length; j++) {
      if (y[j]) continue;
      num += v[i] * (s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0);
      den += v[i];
    }
  }
  return num / den;
}

function permutations<T>(a: T[]): T[][] {
  if (a.length <= 1) return [a];
  return a.flatMap((x, i) => permutations([...a.slice(0, i), ...a.slice(i + 1)]).map((p) => [x, ...p]));
}

/** NDCG of one group, averaged over every order of the tied rows (all permutations consistent with the scores). */
function bruteGroupNdcg(s: number[], gain: number[], k = Infinity): number {
  const disc = (r: number) => (r < k ? 1 / Math.log2(r + 2) : 0);
  const ideal = [...gain].sort((a, b) => b - a).reduce((a, g, r) => a + g * disc(r), 0);
  const idx = s.map((_, i) => i);
  const orders = permutations(idx).filter((p) => p.every((x, r) => r === 0 || s[p[r - 1]] >= s[x]));
  const dcg = orders.map((p) => p.reduce((a, x, r) => a + gain[x] * disc(r), 0));
  return dcg.reduce((a, b) => a + b, 0) / dcg.length / ideal;
}

function bruteNdcg(s: Float64Array, y: Uint8Array, v: Float64Array, group: Int32Array, k?: number): number {
  const byGroup = new Map<number, number[]>();
  group.forEach((g, i) => byGroup.set(g, [...(byGroup.get(g) ?? []), i]));
  const per: number[] = [];
  for (const rows of byGroup.values()) {
    const gain = rows.map((i) => (y[i] ? v[i] : 0));
    if (gain.some((g) => g > 0))
      per.push(
        bruteGroupNdcg(
          rows.map((i) => s[i]),
          gain,
          k,
        ),
      );
  }
  return per.reduce((a, b) => a + b, 0) / per.length;
}

/** Scores on a coarse lattice (many ties), small groups (so the brute force can enumerate tie orders). */
function split(n: number, seed: number): ScoreSplit {
  const rng = new Rng(seed);
  const scores = [0, 1].map(() => Float64Array.from({ length: n }, () => rng.int(6) / 5));
  const labels = [0, 1].map((t) =>
    Uint8Array.from({ length: n }, (_, i) => (rng.float() < 0.2 + 0.5 * scores[t][i] * 0.6 ? 1 : 0)),
  );
  const value = Float64Array.from({ length: n }, () => (rng.float() < 0.1 ? 0 : rng.int(50) + rng.float()));
  const group = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 6) * 7 + 3); // groups of 6, sparse ids
  return { source: 'lattice', rows: n, scores, labels, value, group };
}

describe('value-weighted objectives against brute force', () => {
  it('value-auc: every positive weighted by its value, ties half', () => {
    for (const seed of [1, 2, 3]) {
      const s = split(400, seed);
      const m = new ValueMetric({ kind: 'value-auc', labels: s.labels[0], values: s.value! });
      expect(m.of(s.scores[0])).toBeCloseTo(bruteValueAuc(s.scores[0], s.labels[0], s.value!), 12);
      // with every value 1 it is the ordinary AUC — and does not depend on the value of negatives
      const ones = new Float64Array(s.rows).fill(1);
      const plain = new ValueMetric({ kind: 'value-auc', labels: s.labels[0], values: ones });
      expect(plain.of(s.scores[0])).toBeCloseTo(bruteValueAuc(s.scores[0], s.labels[0], ones), 12);
    }
  });

  it('value-ndcg: mean over groups with gain of the tie-averaged NDCG, with and without a cut-off', () => {
    for (const [seed, k] of [
      [4, undefined],
      [5, 3],
    ] as const) {
      const s = split(240, seed);
      const { order, starts } = groupRows(s.group!);
      const permute = <A extends Float64Array | Uint8Array>(a: A): A => a.map((_, j) => a[order[j]]) as A;
      const labels = permute(s.labels[1]),
        values = permute(s.value!);
      const segments = gainSegments(starts, order, s.labels[1], s.value!);
      const m = new ValueMetric({ kind: 'value-ndcg', labels, values, segments, ...(k ? { k } : {}) });
      expect(m.of(permute(s.scores[1]))).toBeCloseTo(bruteNdcg(s.scores[1], s.labels[1], s.value!, s.group!, k), 12);
    }
  });

  it('as fuse objectives: the chosen weights score what the brute force gives their deployed score', async () => {
    const s = split(300, 6);
    const tasks = ['a', 'b'];
    for (const spec of ['value-auc:b', 'value-ndcg:b', 'value-ndcg:b@2']) {
      const objective = parseObjective(spec);
      const r = await fuse(tasks, s, undefined, fuseOptions({ objective, value: 'gmv', step: 0.25 }));
      const w = tasks.map((t) => r.deploy.weights[t]);
      const f = fusedColumn('linear', w, s.scores);
      const want =
        spec === 'value-auc:b'
          ? bruteValueAuc(f, s.labels[1], s.value!)
          : bruteNdcg(f, s.labels[1], s.value!, s.group!, spec.endsWith('@2') ? 2 : undefined);
      expect(r.best.objective).toBeCloseTo(want, 9);
      expect(r.objective.label).toBe(spec.replace(':', '(').replace(/$/, ')'));
    }
  });

  it('gives identical results on 1 and 2 threads (value metric and the expected-value fixed term in the workers)', async () => {
    const s = split(300, 8);
    for (const [form, spec] of [
      ['expected-value', 'value-ndcg:b@3'],
      ['linear', 'value-auc:a'],
    ] as const) {
      const o = { form, objective: parseObjective(spec), value: 'gmv', step: 0.25 };
      const strip = (r: Awaited<ReturnType<typeof fuse>>) => ({ ...r, seconds: 0, threads: 0 });
      const one = await fuse(['a', 'b'], s, undefined, fuseOptions(o));
      const two = await fuse(['a', 'b'], s, undefined, fuseOptions({ ...o, threads: 2 }));
      expect(two.threads).toBe(2);
      expect(strip(two)).toEqual(strip(one));
    }
  });

  it('needs the value column (and groups for NDCG), said in one line', async () => {
    const s = split(60, 7);
    await expect(
      fuse(
        ['a', 'b'],
        { ...s, value: undefined },
        undefined,
        fuseOptions({ objective: parseObjective('value-auc:a') }),
      ),
    ).rejects.toThrow(/value-auc objective needs a value column/);
    await expect(
      fuse(
        ['a', 'b'],
        { ...s, group: undefined },
        undefined,
        fuseOptions({ objective: parseObjective('value-ndcg:a') }),
      ),
    ).rejects.toThrow(/value-ndcg objective needs a group column/);
    expect(() => parseObjective('value-ndcg:a@0')).toThrow(/k ≥ 1/);
    expect(parseObjective({ type: 'value-ndcg', task: 'a', k: 5 })).toEqual({ type: 'value-ndcg', task: 'a', k: 5 });
  });
});
