import { describe, expect, it } from 'vitest';
import { bootstrapChoice, bootstrapValues, chooseCandidate } from '../../src/fusion/bootstrap.js';
import { resampleWeights, sortedBootstrapValues, weightedAucSorted } from '../../src/fusion/bootstrap-sorted.js';
import { PairedAuc } from '../../src/fusion/paired-auc.js';
import { fuse, type ScoreSplit } from '../../src/fusion/index.js';
import { deployBox } from '../../src/fusion/deploy.js';
import { formatSummary } from '../../src/fusion/run.js';
import { auc } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';
import { fuseOptions } from './options.js';

const sortedOrder = (s: Float64Array) => Uint32Array.from(s.keys()).sort((a, b) => s[a] - s[b]);

describe('bootstrap', () => {
  it('weighted AUC of one sorted pass equals metrics auc with sample weights, ties included', () => {
    const rng = new Rng(1),
      n = 3000;
    const s = Float64Array.from({ length: n }, () => Math.round(rng.float() * 40) / 40); // heavy ties
    const y = Uint8Array.from(s, (v) => (rng.float() < v ? 1 : 0));
    const w = new Float64Array(n);
    resampleWeights(n, undefined, rng, w);
    expect(weightedAucSorted(sortedOrder(s), s, y, w)).toBeCloseTo(auc(s, y, w), 12);
  });

  it('by group: every row of a group weighs its group count, and the counts sum to the number of groups', () => {
    const group = Int32Array.from({ length: 500 }, (_, i) => i % 37);
    const w = new Float64Array(500);
    resampleWeights(500, group, new Rng(2), w);
    const perGroup = new Map<number, number>();
    group.forEach((g, i) => {
      if (perGroup.has(g)) expect(w[i]).toBe(perGroup.get(g));
      perGroup.set(g, w[i]);
    });
    expect([...perGroup.values()].reduce((a, b) => a + b, 0)).toBe(37);
  });

  it('paired weighted AUCs (cells of rows) equal a brute-force weighted pair count, ties and overlapping labels', () => {
    const rng = new Rng(5),
      n = 600;
    const group = Int32Array.from({ length: n }, () => rng.int(9) - 1); // group −1: left out
    const base = Float64Array.from({ length: n }, () => rng.float());
    // Candidates share heavy ties (a 12-level grid) and differ by how they mix a second column.
    const other = Float64Array.from({ length: n }, () => Math.round(rng.float() * 6) / 6);
    const scores = [0, 0.3, 1, 4].map((w) =>
      Float64Array.from(base, (v, i) => Math.round((v + w * other[i]) * 12) / 12),
    );
    const a = Uint8Array.from(base, (v) => (rng.float() < 0.1 + 0.5 * v ? 1 : 0));
    const b = Uint8Array.from(a, (x) => (x && rng.float() < 0.3 ? 1 : 0));
    const paired = new PairedAuc(scores, [a, b], group);
    expect(paired.cells).toBeLessThan(n); // rows really share cells
    const gw = Float64Array.from({ length: 8 }, () => rng.int(4));
    paired.weighGroups(gw);
    const got = paired.aucs(new Float64Array(scores.length * 2));
    const brute = (s: Float64Array, y: Uint8Array) => {
      let pairs = 0,
        P = 0,
        N = 0;
      for (let i = 0; i < n; i++) {
        const wi = group[i] < 0 ? 0 : gw[group[i]];
        if (y[i]) P += wi;
        else N += wi;
        if (!y[i]) continue;
        for (let j = 0; j < n; j++) {
          const wj = group[j] < 0 ? 0 : gw[group[j]];
          if (!y[j]) pairs += wi * wj * (s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0);
        }
      }
      return pairs / (P * N);
    };
    scores.forEach((s, c) =>
      [a, b].forEach((y, l) => expect(got[c * 2 + l], `candidate ${c}, labels ${l}`).toBeCloseTo(brute(s, y), 12)),
    );
  });

  it("by row: the cells' Poisson draws give the same intervals as a Poisson weight per row (the direct method)", () => {
    const rng = new Rng(6),
      n = 4000;
    const x = Float64Array.from({ length: n }, () => rng.float());
    const y = Uint8Array.from(x, (v) => (rng.float() < 0.05 + 0.1 * v ? 1 : 0));
    const scores = [x, Float64Array.from(x, (v) => v + 0.3 * rng.float())];
    const objective = [{ labels: y, weight: 1 }];
    const cells = bootstrapValues({ scores, objective, resamples: 400, seed: 1 });
    const direct = sortedBootstrapValues(scores, objective, undefined, 400, new Rng(2));
    const stats = (v: Float64Array) => {
      const m = v.reduce((s, z) => s + z, 0) / v.length;
      return { m, sd: Math.sqrt(v.reduce((s, z) => s + (z - m) ** 2, 0) / v.length) };
    };
    for (let c = 0; c < 2; c++) {
      const p = stats(cells[c]),
        q = stats(direct[c]);
      expect(Math.abs(p.m - q.m)).toBeLessThan(0.004); // ~3 standard errors of the means
      expect(p.sd / q.sd).toBeGreaterThan(0.8);
      expect(p.sd / q.sd).toBeLessThan(1.25);
    }
  });

  it('choice: a clearly better candidate is chosen even when a worse one costs the other tasks less', () => {
    const rng = new Rng(7),
      n = 4000;
    const signal = Float64Array.from({ length: n }, () => rng.float());
    const y = Uint8Array.from(signal, (v) => (rng.float() < v * 0.1 ? 1 : 0));
    const noisy = Float64Array.from(signal, (v) => v + 2 * rng.float());
    const r = bootstrapChoice({
      scores: [signal, noisy],
      objective: [{ labels: y, weight: 1 }],
      resamples: 200,
      seed: 1,
      cost: [0.05, 0],
    });
    expect(r.candidates[1].beatenBy).toBe(0);
    expect(r.candidates[1].tied).toBe(false);
    expect(r.chosen).toBe(0);
    expect(r.reason).toBe('point-best');
  });

  it('choice: pure noise keeps the point-best; a tied candidate that costs the other tasks clearly less wins', () => {
    const rng = new Rng(8),
      n = 3000;
    const y = Uint8Array.from({ length: n }, () => (rng.float() < 0.02 ? 1 : 0));
    const scores = [0, 1, 2, 3].map(() => Float64Array.from({ length: n }, () => rng.float()));
    const o = { scores, objective: [{ labels: y, weight: 1 }], resamples: 200, seed: 1 };
    const plain = bootstrapChoice(o);
    expect(plain.candidates.every((c) => c.tied)).toBe(true);
    expect(plain.chosen).toBe(0);
    expect(bootstrapChoice({ ...o, cost: [0.01, 0.0095, 0.0102, 0.01] }).chosen).toBe(0); // within COST_MARGIN
    const cheaper = bootstrapChoice({ ...o, cost: [0.01, 0.02, 0.004, 0.0045] });
    expect(cheaper.chosen).toBe(2);
    expect(cheaper.reason).toBe('cheaper');
    // Deterministic tie-break: among the cheapest within the margin, the better-ranked one.
    expect(bootstrapChoice({ ...o, cost: [0.01, 0.02, 0.0045, 0.004] }).chosen).toBe(2);
  });

  it('choice: when the point-best is clearly beaten, the best-ranked unbeaten candidate leads', () => {
    const B = 100;
    const values = [0.7, 0.75, 0.6].map((m, c) =>
      Float64Array.from({ length: B }, (_, b) => m + 0.001 * ((b * (c + 3)) % 7)),
    );
    const r = chooseCandidate(values);
    expect(r.candidates[0].beatenBy).toBe(1);
    expect(r.chosen).toBe(1);
    expect(r.reason).toBe('beaten');
  });

  it('a candidate far worse is clearly beaten; intervals hold the point estimate; the choice avoids noise', () => {
    const rng = new Rng(3),
      n = 4000;
    const signal = Float64Array.from({ length: n }, () => rng.float());
    const y = Uint8Array.from(signal, (v) => (rng.float() < v * 0.1 ? 1 : 0));
    const noise = Float64Array.from({ length: n }, () => rng.float());
    const r = bootstrapChoice({
      scores: [noise, signal],
      objective: [{ labels: y, weight: 1 }],
      resamples: 100,
      seed: 1,
    });
    expect(r.candidates[0].beatenBy).toBe(1);
    expect(r.candidates[1].beatenBy).toBeUndefined();
    expect(r.chosen).toBe(1);
    const point = auc(signal, y);
    expect(r.candidates[1].lo).toBeLessThan(point);
    expect(r.candidates[1].hi).toBeGreaterThan(point);
    expect(r.by).toBe('row');
  });

  it('fuse --bootstrap: best is the chosen candidate, with intervals for the top 20, reproducible', async () => {
    const rng = new Rng(4),
      n = 2000;
    const scores = [0, 1].map(() => Float64Array.from({ length: n }, () => rng.float()));
    const labels = [
      Uint8Array.from(scores[0], (v) => (rng.float() < v ? 1 : 0)),
      Uint8Array.from({ length: n }, (_, i) => (rng.float() < 0.02 * (scores[0][i] + scores[1][i]) ? 1 : 0)),
    ];
    const split: ScoreSplit = {
      source: 's',
      rows: n,
      scores,
      labels,
      group: Int32Array.from({ length: n }, (_, i) => i % 300),
    };
    const o = fuseOptions({ bootstrap: 50, objective: { type: 'auc', task: 'order' } });
    const r = await fuse(['click', 'order'], split, undefined, o);
    const b = r.bootstrap!;
    expect(b.by).toBe('group');
    expect(b.candidates).toHaveLength(20);
    const c = b.candidates[b.chosen];
    expect(r.best.objective).toBe(c.objective);
    expect(c.beaten).toBe(false);
    expect(c.tied).toBe(true);
    if (b.reason === 'point-best') expect(b.chosen).toBe(0);
    if (b.reason === 'cheaper') expect(c.cost! + 0.001).toBeLessThan(b.candidates[0].cost!);
    expect((await fuse(['click', 'order'], split, undefined, o)).bootstrap).toEqual(b);
    // order has fewer than 100 positives: the Deploy box gives its change with a bootstrap interval
    const ci = r.deploy.intervals!.valid!.order;
    expect(r.deploy.intervals!.valid!.click).toBeUndefined();
    expect(ci.change[0]).toBeLessThanOrEqual(r.deploy.changes.order.valid);
    expect(ci.change[1]).toBeGreaterThanOrEqual(r.deploy.changes.order.valid);
    expect(ci.auc[0]).toBeLessThan(ci.auc[1]);
    expect(deployBox(r.deploy, ['click', 'order'])).toMatch(/order +valid [+−]0\.\d{4} \(95% \[/);
    // the candidate lines: the verdict and the cost are separate phrases ("tied with the leader; cost to ...")
    const lines = formatSummary({ ...r, savedTo: [] }).split('\n');
    const chosen = lines.find((l) => l.startsWith('  * ') && /\[0\.\d{4}, /.test(l))!;
    expect(chosen).toMatch(/\]  tied with the leader; cost to the other tasks \d\.\d{4}   click=/);
    // the front counts the rankings it can hold: the search line's distinct rankings less the constant (all-zero) one
    const front = lines.find((l) => l.startsWith('Pareto front'))!;
    const distinct = Number(/(\d+) distinct rankings scored/.exec(lines.join('\n'))![1]);
    expect(front).toContain(
      `of ${r.pareto!.points.length + r.pareto!.dominated.length} non-constant rankings (all weights 0 left out) not dominated`,
    );
    expect(r.pareto!.points.length + r.pareto!.dominated.length).toBe(distinct - 1);
  });
});
