// `npm run bench -- fuse-search [--rows 100000] [--budget 400] [--seeds 3] [--threads 1] [--json]` (also the last
// part of `bench:fuse`). The searches for many tasks at equal budget: on 4- and 6-task synthetic data, the best
// objective (AUC of the rarest, noisiest-scored task) each search has reached after 25, 50, …, budget distinct
// rankings — the grid at the finest step whose points fit the budget, random search and CMA-ES over a few seeds
// (mean [min, max]) — beside a long CMA-ES run as the reference optimum.
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Evaluator, type Scored } from '../fusion/evaluator.js';
import { parseObjective } from '../fusion/objectives.js';
import { createPool } from '../fusion/pool.js';
import type { ScoreSplit } from '../fusion/fuse.js';
import { searchNamed } from '../fusion/search/index.js';
import { Rng } from '../util/rng.js';

export interface SearchComparison {
  tasks: number;
  rows: number;
  budgets: number[];
  /** Reference optimum: the best of a CMA-ES run with REFERENCE_BUDGET × the budget. */
  reference: number;
  grid: { budget: number; step: number | null; evaluated: number; best: number | null }[];
  /** Per search, per budget: best reached, one per seed. */
  curves: Record<'random' | 'cmaes', number[][]>;
}

/** The reference optimum's budget, in multiples of the compared budget. */
const REFERENCE_BUDGET = 4;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * T tasks on a shared latent interest z and per-task signals u_t. The last task (the rarest) has a label driven by
 * the others' signals with very unequal strengths and the noisiest own score; the tasks' base rates differ by
 * orders of magnitude, so the probabilities live on different scales and the best linear mix is far from equal
 * weights — a search problem, not a formality.
 */
export function manyTaskSplit(T: number, rows: number, seed: number): ScoreSplit {
  const rng = new Rng(seed);
  const scores = Array.from({ length: T }, () => new Float64Array(rows));
  const labels = Array.from({ length: T }, () => new Uint8Array(rows));
  const strength = [1.2, 0.15, 0.8, 0.05, 0.5, 0.3];
  const u = new Float64Array(T);
  for (let i = 0; i < rows; i++) {
    const z = rng.normal();
    for (let t = 0; t < T; t++) u[t] = rng.normal();
    let target = -4.5 + 0.3 * z;
    for (let t = 0; t < T - 1; t++) {
      const base = -0.8 - 0.9 * t;
      target += strength[t % strength.length]! * u[t]!;
      labels[t]![i] = rng.float() < sigmoid(base + 0.5 * z + u[t]!) ? 1 : 0;
      scores[t]![i] = sigmoid(base + 0.5 * z + u[t]! + (0.3 + 0.15 * t) * rng.normal());
    }
    target += 0.6 * u[T - 1]!;
    labels[T - 1]![i] = rng.float() < sigmoid(target) ? 1 : 0;
    scores[T - 1]![i] = sigmoid(target + 1.5 * rng.normal());
  }
  return { source: `synthetic-${T}`, rows, scores, labels };
}

/** Best objective among the first k distinct rankings visited, for each k in budgets. */
function bestAfter(visited: Scored[], budgets: number[]): number[] {
  const seen = new Set<string>();
  let best = -Infinity;
  const at = new Map<number, number>();
  for (const s of visited) {
    if (seen.has(s.key)) continue;
    seen.add(s.key);
    if (s.feasible && s.objective > best) best = s.objective;
    at.set(seen.size, best);
  }
  return budgets.map((b) => at.get(Math.min(b, seen.size)) ?? -Infinity);
}

export async function compareSearches(
  T: number,
  o: { rows: number; budget: number; seeds: number; threads: number },
): Promise<SearchComparison> {
  const split = manyTaskSplit(T, o.rows, 2024 + T);
  const tasks = Array.from({ length: T }, (_, t) => `t${t}`);
  const objective = parseObjective(`auc:t${T - 1}`);
  const pool = await createPool({ rows: split.rows, columns: split.scores, labels: split.labels }, o.threads);
  const budgets: number[] = [];
  for (let b = 25; b < o.budget; b *= 2) budgets.push(b);
  budgets.push(o.budget);
  try {
    const run = async (search: string, samples: number, seed: number, step = 0.1) => {
      const levels = Math.round(1 / step);
      const ev = new Evaluator({
        pool,
        tasks,
        objective,
        constraints: [],
        baseAuc: [],
        levels,
        request: { taskMask: 1 << (T - 1), withGauc: false },
      });
      const visited = await searchNamed(search).run({
        tasks: T,
        step,
        rng: new Rng(seed),
        samples,
        evaluate: (b) => ev.evaluate(b),
      });
      return { visited, evaluated: ev.evaluated };
    };
    const reference = Math.max(
      ...(await run('cmaes', REFERENCE_BUDGET * o.budget, 99)).visited.map((s) => s.objective),
    );
    const grid: SearchComparison['grid'] = [];
    for (const budget of budgets) {
      let levels = 0;
      while ((levels + 2) ** T <= budget) levels++;
      if (levels === 0) {
        grid.push({ budget, step: null, evaluated: 0, best: null });
        continue;
      }
      const r = await run('grid', 0, 1, 1 / levels);
      grid.push({
        budget,
        step: 1 / levels,
        evaluated: r.evaluated,
        best: Math.max(...r.visited.filter((s) => s.feasible).map((s) => s.objective)),
      });
    }
    const curves: SearchComparison['curves'] = { random: [], cmaes: [] };
    for (let seed = 1; seed <= o.seeds; seed++) {
      // random search's first k points are its run with budget k, and so are CMA-ES's: one run gives the curve
      curves.random.push(bestAfter((await run('random', o.budget - (T + 1), seed)).visited, budgets));
      curves.cmaes.push(bestAfter((await run('cmaes', o.budget, seed)).visited, budgets));
    }
    return { tasks: T, rows: o.rows, budgets, reference, grid, curves };
  } finally {
    await pool.close();
  }
}

const f4 = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(4));

/** One table per task count: best objective reached vs evaluations. */
export function formatComparison(c: SearchComparison): string {
  const cell = (xs: number[]) => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    return `${f4(mean)} [${f4(Math.min(...xs))}, ${f4(Math.max(...xs))}]`;
  };
  const lines = [
    `${c.tasks} tasks, ${c.rows} rows, objective AUC(t${c.tasks - 1}); reference optimum (CMA-ES, ${REFERENCE_BUDGET * c.budgets[c.budgets.length - 1]!} evaluations) ${f4(c.reference)}`,
    `  ${'evaluations'.padEnd(12)}${'grid (step, points scored)'.padEnd(30)}${'random: mean [min, max]'.padEnd(28)}cmaes: mean [min, max]`,
  ];
  c.budgets.forEach((b, k) => {
    const g = c.grid[k]!;
    const gridCell = g.step === null ? '– (no grid fits)' : `${f4(g.best)} (${+g.step.toFixed(3)}, ${g.evaluated})`;
    lines.push(
      `  ${String(b).padEnd(12)}${gridCell.padEnd(30)}${cell(c.curves.random.map((r) => r[k]!)).padEnd(28)}${cell(c.curves.cmaes.map((r) => r[k]!))}`,
    );
  });
  return lines.join('\n');
}

/** The comparison on 4 and 6 tasks, printed (or returned for --json). */
export async function searchBench(o: {
  rows: number;
  budget: number;
  seeds: number;
  threads: number;
  log: (s: string) => void;
}): Promise<SearchComparison[]> {
  o.log(
    `search at equal budget (distinct rankings scored), ${o.seeds} seeds, ${o.threads} thread(s); load average ${loadavg()[0]!.toFixed(1)} at the start`,
  );
  const out: SearchComparison[] = [];
  for (const T of [4, 6]) {
    const t0 = performance.now();
    const c = await compareSearches(T, o);
    out.push(c);
    o.log(
      `${formatComparison(c)}\n  (${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${loadavg()[0]!.toFixed(1)})`,
    );
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const json = args.includes('--json');
  const r = await searchBench({
    rows: opt('rows', 100_000),
    budget: opt('budget', 400),
    seeds: opt('seeds', 3),
    threads: opt('threads', 1),
    log: (s) => {
      if (!json) process.stdout.write(`${s}\n`);
    },
  });
  if (json) process.stdout.write(`${JSON.stringify({ bench: 'fuse-search', comparisons: r })}\n`);
}
