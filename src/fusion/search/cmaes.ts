/**
 * CMA-ES (Hansen's (μ/μ_w, λ) evolution strategy with rank-one and rank-μ covariance updates and cumulative
 * step-size adaptation; "The CMA Evolution Strategy: A Tutorial", 2016) over the weight box [0, 1]^T, for many
 * tasks where the grid's (1/step + 1)^T explodes. It only needs the order of the candidates (feasible first, then
 * the objective — `better`), so constraints come for free. Candidates outside the box are clipped, and the clipped
 * point is what the update learns from (repair). Each generation is one batch (both threads work). When the step
 * size collapses before the budget is spent, it restarts from a random mean. `ctx.samples` is the budget: weight
 * vectors evaluated, the starting points (equal weights, each task alone) included. Seeded: the same seed visits
 * the same points.
 */
import { byRank, type Scored } from '../evaluator.js';
import type { Rng } from '../../util/rng.js';
import type { SearchContext, SearchStrategy } from './types.js';
import { symmetricEigen } from './eigen.js';

/** Below this step size (in weight units) a run has converged: restart. */
const MIN_SIGMA = 1e-4;
const START_SIGMA = 0.3;

export const cmaesSearch: SearchStrategy = {
  name: 'cmaes',
  async run(ctx) {
    const T = ctx.tasks;
    const starts: number[][] = [new Array(T).fill(1)];
    for (let t = 0; t < T; t++) starts.push(Array.from({ length: T }, (_, u) => (u === t ? 1 : 0)));
    const visited = await ctx.evaluate(starts.slice(0, Math.max(1, Math.min(starts.length, ctx.samples))));
    const rng = ctx.rng.fork('fusion-cmaes');
    let mean = new Array(T).fill(0.5);
    while (visited.length < ctx.samples) {
      await runOnce(ctx, mean, rng, visited);
      mean = Array.from({ length: T }, () => rng.float());
    }
    return visited;
  },
};

async function runOnce(ctx: SearchContext, start: number[], rng: Rng, visited: Scored[]): Promise<void> {
  const n = ctx.tasks;
  const lambda = 4 + Math.floor(3 * Math.log(n)),
    mu = Math.floor(lambda / 2);
  const raw = Array.from({ length: mu }, (_, i) => Math.log(mu + 0.5) - Math.log(i + 1));
  const sumW = raw.reduce((a, b) => a + b, 0);
  const w = raw.map((x) => x / sumW);
  const muEff = 1 / w.reduce((a, b) => a + b * b, 0);
  const cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n),
    cs = (muEff + 2) / (n + muEff + 5),
    c1 = 2 / ((n + 1.3) ** 2 + muEff),
    cmu = Math.min(1 - c1, (2 * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + muEff)),
    damps = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cs,
    chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));

  const m = [...start];
  let sigma = START_SIGMA;
  const pc = new Array<number>(n).fill(0),
    ps = new Array<number>(n).fill(0);
  let C = identity(n),
    B = identity(n),
    D = new Array<number>(n).fill(1);
  for (let gen = 1; visited.length < ctx.samples && sigma > MIN_SIGMA; gen++) {
    const count = Math.min(lambda, ctx.samples - visited.length);
    const xs: number[][] = [];
    for (let k = 0; k < count; k++) {
      const z = Array.from({ length: n }, () => rng.normal());
      const y = B.map((row) => row.reduce((a, b, j) => a + b * D[j] * z[j], 0)); // B·D·z
      xs.push(m.map((mi, i) => clip01(mi + sigma * y[i])));
    }
    const scored = await ctx.evaluate(xs);
    visited.push(...scored);
    if (count < lambda) return; // budget spent mid-generation: no update from a partial sample
    const ranked = scored.map((s, k) => ({ s, x: xs[k] })).sort((a, b) => byRank(a.s, b.s));
    // steps of the µ best, from the clipped points actually evaluated
    const ys = ranked.slice(0, mu).map((r) => r.x.map((xi, i) => (xi - m[i]) / sigma));
    const yw = new Array<number>(n).fill(0);
    ys.forEach((y, k) => y.forEach((yi, i) => (yw[i] += w[k] * yi)));
    for (let i = 0; i < n; i++) m[i] += sigma * yw[i];
    // C^{-1/2}·yw = B·D⁻¹·Bᵀ·yw
    const bty = B[0].map((_, j) => B.reduce((a, row, i) => a + row[j] * yw[i], 0));
    const invSqrt = B.map((row) => row.reduce((a, b, j) => a + (b * bty[j]) / D[j], 0));
    const csn = Math.sqrt(cs * (2 - cs) * muEff);
    for (let i = 0; i < n; i++) ps[i] = (1 - cs) * ps[i] + csn * invSqrt[i];
    const psNorm = Math.hypot(...ps);
    const hsig = psNorm / Math.sqrt(1 - (1 - cs) ** (2 * gen)) / chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccn = Math.sqrt(cc * (2 - cc) * muEff);
    for (let i = 0; i < n; i++) pc[i] = (1 - cc) * pc[i] + hsig * ccn * yw[i];
    C = C.map((row, i) =>
      row.map((cij, j) => {
        let rankMu = 0;
        ys.forEach((y, k) => (rankMu += w[k] * y[i] * y[j]));
        return (1 - c1 - cmu) * cij + c1 * (pc[i] * pc[j] + (1 - hsig) * cc * (2 - cc) * cij) + cmu * rankMu;
      }),
    );
    sigma *= Math.exp((cs / damps) * (psNorm / chiN - 1));
    sigma = Math.min(sigma, 1); // a step beyond the whole box only samples its corners
    const eig = symmetricEigen(C);
    B = eig.vectors;
    D = eig.values.map((v) => Math.sqrt(Math.max(v, 1e-20)));
  }
}

const clip01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

function identity(n: number): number[][] {
  return Array.from<unknown, number[]>({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}
