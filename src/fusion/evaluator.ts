/**
 * Between the searches and the scorer pool: turns weight vectors into scored combinations.
 * Both forms are invariant to scaling the weights by a positive constant, so a grid-aligned vector (every weight
 * a multiple of 1/levels) is reduced to its primitive integer direction — (0.2, 0.4, 0.6) and (0.1, 0.2, 0.3)
 * both become (1, 2, 3) — and each direction is scored once, cached, and reported for all its multiples.
 */
import type { Constraint } from './constraints.js';
import { constraintBound, margin } from './constraints.js';
import type { ScorerPool } from './pool.js';
import type { ScoreRequest } from './scorer.js';
import { objectiveValue, type Objective } from './objectives.js';

export interface Scored {
  /** The weights as visited (e.g. 0.2, 0.4, 0.6). */
  weights: number[];
  /** The ranking they induce: 'g:1,2,3' for grid directions, 'f:…' otherwise. */
  key: string;
  objective: number;
  feasible: boolean;
  /** Smallest margin over the constraints (bound minus AUC turned so ≥ 0 means satisfied); +∞ without constraints. */
  slack: number;
  /** AUC per task (NaN where not needed), then GAUC (NaN unless the objective is GAUC). */
  metrics: Float64Array;
  /** Visit order — the last tie-break, so results are reproducible. */
  order: number;
}

export interface EvaluatorSetup {
  pool: ScorerPool;
  tasks: string[];
  objective: Objective;
  constraints: Constraint[];
  /** AUC of each task's own score (for base(task) in constraints). */
  baseAuc: number[];
  /** Grid levels per unit weight (10 for step 0.1). */
  levels: number;
  request: ScoreRequest;
  /** Score each vector as given (its own cache key), not reduced to its grid direction. Default false. */
  exactVectors?: boolean;
  /** All weights 0 is a ranking (a form with a fixed term: expected-value), not a constant. Default false. */
  zeroRanks?: boolean;
}

export class Evaluator {
  private readonly cache = new Map<string, Float64Array>();
  private visits = 0;
  readonly taskIndex: (task: string) => number;

  constructor(
    private readonly s: EvaluatorSetup,
    private readonly onProgress?: (done: number, total: number) => void,
  ) {
    this.taskIndex = (task) => s.tasks.indexOf(task);
  }

  /** Distinct rankings scored so far. */
  get evaluated(): number {
    return this.cache.size;
  }

  async evaluate(batch: readonly (readonly number[])[]): Promise<Scored[]> {
    const canon = batch.map((w) => this.canonical(w));
    const todo = new Map<string, readonly number[]>();
    for (const c of canon) if (!this.cache.has(c.key) && !todo.has(c.key)) todo.set(c.key, c.vector);
    const keys = [...todo.keys()];
    const metrics = await this.s.pool.score([...todo.values()], this.s.request, (d) =>
      this.onProgress?.(d, keys.length),
    );
    keys.forEach((k, i) => this.cache.set(k, metrics[i]));
    return canon.map((c, i) => this.scored([...batch[i]], c.key, this.cache.get(c.key)!));
  }

  /** All tasks' AUCs (and GAUC) for a few combinations — for the report, not cached. */
  async detail(batch: readonly (readonly number[])[]): Promise<Float64Array[]> {
    const vectors = batch.map((w) => this.canonical(w).vector);
    return this.s.pool.score(vectors, { taskMask: (1 << this.s.tasks.length) - 1, withGauc: this.s.request.withGauc });
  }

  private canonical(w: readonly number[]): { key: string; vector: readonly number[] } {
    return this.s.exactVectors ? { key: `f:${w.join(',')}`, vector: w } : canonical(w, this.s.levels);
  }

  scored(weights: number[], key: string, metrics: Float64Array): Scored {
    const objective = objectiveValue(this.s.objective, metrics, this.taskIndex);
    // All weights 0 is a constant score (AUC 0.5 everywhere): never a ranking to deploy, whatever it scores.
    let slack = weights.some((w) => w > 0) || this.s.zeroRanks ? Infinity : -Infinity;
    for (const c of this.s.constraints)
      slack = Math.min(
        slack,
        margin(
          c,
          metrics[this.taskIndex(c.task)],
          constraintBound(c, (t) => this.s.baseAuc[this.taskIndex(t)]),
        ),
      );
    return { weights, key, objective, feasible: slack >= 0, slack, metrics, order: this.visits++ };
  }
}

/** a before b: feasible first, then higher objective, then earlier visit. */
export function better(a: Scored, b: Scored): boolean {
  if (a.feasible !== b.feasible) return a.feasible;
  if (a.objective !== b.objective) return a.objective > b.objective;
  return a.order < b.order;
}

/** When nothing is feasible: the least violation first (largest slack), then the objective. */
export function byLeastViolation(a: Scored, b: Scored): number {
  return b.slack - a.slack || byRank(a, b);
}

export function byRank(a: Scored, b: Scored): number {
  return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

/** Primitive integer direction of a grid-aligned vector, or the vector itself. */
export function canonical(w: readonly number[], levels: number): { key: string; vector: readonly number[] } {
  const ints = w.map((x) => x * levels);
  if (ints.every((x) => Math.abs(x - Math.round(x)) < 1e-9)) {
    const r = ints.map(Math.round);
    const g = r.reduce(gcd, 0);
    const vector = g > 0 ? r.map((x) => x / g) : r;
    return { key: `g:${vector.join(',')}`, vector };
  }
  return { key: `f:${w.join(',')}`, vector: w };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return Math.abs(a);
}
