/**
 * The output-weight search end to end: validate the split, prepare columns for the form, score combinations
 * on a thread pool, rank them (constraints first, then objective), and report the best weights, the top 10,
 * a heatmap, and — for an honest estimate — the chosen weights' metrics on the test split.
 */
import { didYouMean } from '../config/suggest.js';
import { MtrankError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { Constraint } from './constraints.js';
import { aucInterval, bootstrapChoice, type AucInterval, type BootstrapResult } from './bootstrap.js';
import { FEW_POSITIVES, deployAdvice, deployedWeights, type Deploy } from './deploy.js';
import { Evaluator, byLeastViolation, byRank, type Scored } from './evaluator.js';
import { FRONT_MAX_TASKS, FRONT_TESTED, splitFront } from './front.js';
import { FORM_DEFS, prepareScores, searchedScore, type FormParams, type FusionForm } from './forms.js';
import { formParams, paramsRecord, type FormParamsRecord } from './form-params.js';
import { groupLayout } from './group-auc.js';
import { heatmap, type Heatmap } from './heatmap.js';
import {
  objectiveGrouped,
  objectiveLabel,
  objectiveLastSlot,
  objectiveTasks,
  objectiveUsesValue,
  objectiveValue,
  type Objective,
} from './objectives.js';
import { groupRows } from '../metrics/gauc.js';
import { gainSegments, type ValueMetricData } from './value-metric.js';
import { createPools, type ScorerPool } from './pool.js';
import { checkGridSize, coordinateAscent, levelsOf, searchNamed } from './search/index.js';
import type { ScoringData } from './scorer.js';
import { hasMissing, labelledAuc, labelledRows, labelledTask, pick, positives, splitPool } from './missing-labels.js';

/** One split's per-task scores and labels (and groups), as read from a predictions or scores file. */
export interface ScoreSplit {
  source: string;
  rows: number;
  scores: Float64Array[];
  labels: Uint8Array[];
  group?: Int32Array;
  /** The business value column (fusion.value): expected-value form, value-auc / value-ndcg objectives. */
  value?: Float64Array;
}

export interface FuseOptions {
  form: FusionForm;
  /** ensemble form: offset per task (default 1). */
  offsets?: Record<string, number>;
  /** The value column's name (for fusion.json and the formula); its values come in ScoreSplit.value. */
  value?: string;
  search: string;
  step: number;
  refine: boolean;
  objective: Objective;
  constraints: Constraint[];
  threads: number;
  seed: number;
  samples: number;
  /**
   * When no combination satisfies the constraints: choose the least violation (largest smallest margin) and say
   * so, instead of failing. Used for the default constraints, which the user did not write.
   */
  relaxConstraints?: boolean;
  /** Bootstrap resamples for the top BOOTSTRAP_CANDIDATES (0: choose by the point estimate alone). */
  bootstrap?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface Combination {
  weights: Record<string, number>;
  objective: number;
  feasible: boolean;
  /** Per-task AUC of the fused score. */
  aucs: Record<string, number>;
  gauc?: number;
  /** Other visited weight vectors that are positive multiples of these (same ranking, same metrics). */
  equivalent: Record<string, number>[];
}

export interface FusionResult {
  form: FusionForm;
  /** What the form needs beyond the weights (ensemble offsets, rank knots, the value column), keyed by task. */
  params?: FormParamsRecord;
  /** What the scores were: the run's calibrated probabilities (calibration.json) or the raw model outputs. */
  probabilities?: 'raw' | 'calibrated';
  /** A run's search: the `mtrank fuse` flags that repeat it (the run directory left out; fuseFlags). */
  flags?: string[];
  search: string;
  refine: boolean;
  step: number;
  objective: Objective & { label: string };
  constraints: string[];
  tasks: string[];
  rows: { valid: number; test?: number };
  /** Weight vectors visited, and distinct rankings actually scored. */
  combinations: number;
  evaluated: number;
  best: Combination & { test?: number; testAucs?: Record<string, number> };
  /** Each task's own score: AUC on the search split (and test). */
  base: { valid: Record<string, number>; test?: Record<string, number> };
  top: Combination[];
  /** Intervals of the objective for the top candidates, when bootstrapped; best is the chosen candidate. */
  bootstrap?: {
    resamples: number;
    by: 'group' | 'row';
    candidates: {
      weights: Record<string, number>;
      objective: number;
      lo: number;
      hi: number;
      beaten: boolean;
      /** Statistically tied with the leader (the point-best unless it is clearly beaten). */
      tied: boolean;
      /** AUC the tasks outside the objective lose against their own scores (summed): the tie-break. */
      cost?: number;
    }[];
    chosen: number;
    /** point-best: kept; beaten: the point-best was clearly beaten; cheaper: a tied candidate costs the other tasks less. */
    reason: BootstrapResult['reason'];
  };
  /** Set when nothing satisfied the constraints and relaxConstraints chose the least violation. */
  fallback?: string;
  /** Set when the default objective's fallback compared forms (fusion/run.ts): each form's worst loss, the one deployed. */
  fallbackForms?: string;
  /**
   * Non-dominated rankings over the tasks' valid AUCs (2–4 tasks), best first, with test AUCs for the first
   * FRONT_TESTED; dominated ones (AUCs only) for the chart.
   */
  pareto: ParetoResult | null;
  /** Normalised weights, formula, per-task AUC changes, warnings. */
  deploy: Deploy;
  heatmap: Heatmap | null;
  threads: number;
  seconds: number;
  /** Time of the bootstrap of the top candidates (main thread), when it ran. */
  bootstrapSeconds?: { wall: number; cpu: number };
}

/** The task with the fewest positives — the default objective, as in the benchmark. */
export function rarestTask(tasks: string[], s: ScoreSplit): string {
  const counts = s.labels.map(positives);
  return tasks[counts.indexOf(Math.min(...counts))];
}

export interface FrontPoint {
  /** Normalised (sum 1). */
  weights: Record<string, number>;
  aucs: Record<string, number>;
  test?: Record<string, number>;
  chosen: boolean;
}

export interface ParetoResult {
  points: FrontPoint[];
  /** Valid AUCs of dominated rankings (best first, capped). */
  dominated: Record<string, number>[];
  /** Whether the chosen weights are on the front (constraints can pick a weakly dominated tie). */
  chosenOnFront: boolean;
}

export async function fuse(
  tasks: string[],
  valid: ScoreSplit,
  test: ScoreSplit | undefined,
  o: FuseOptions,
): Promise<FusionResult> {
  const started = performance.now();
  checkSplit(tasks, valid, o);
  if (test) checkSplit(tasks, test, o);
  const levels = levelsOf(o.step);
  const params = formParams(o.form, tasks, valid.scores, o);
  const def = FORM_DEFS[o.form];
  if (o.search === 'grid') checkGridSize(tasks.length, o.step); // before any memory is spent

  const needed = new Set([...objectiveTasks(o.objective), ...o.constraints.map((c) => c.task)]);
  // Every task's AUC for 2–4 tasks: the Pareto front comes from the same pass. Beyond that, only what is needed.
  const all = (1 << tasks.length) - 1;
  const request = {
    taskMask: tasks.length <= FRONT_MAX_TASKS ? all : tasks.reduce((m, t, i) => (needed.has(t) ? m | (1 << i) : m), 0),
    withGauc: objectiveLastSlot(o.objective),
  };
  const pool = await scorerPool(tasks, valid, o, params);
  try {
    const baseValid =
      o.form === 'linear'
        ? await ownScoreAucs(pool, tasks.length)
        : tasks.map((_, t) => labelledAuc(valid.scores[t], valid.labels[t]));
    const ev = new Evaluator(
      {
        pool,
        tasks,
        objective: o.objective,
        constraints: o.constraints,
        baseAuc: baseValid,
        levels,
        request,
        exactVectors: def.deployAsSearched,
        zeroRanks: !def.scaleInvariant,
      },
      o.onProgress,
    );
    const ctx = {
      tasks: tasks.length,
      step: o.step,
      rng: new Rng(o.seed),
      samples: o.samples,
      evaluate: (b: readonly (readonly number[])[]) => ev.evaluate(b),
    };
    const visited = await searchNamed(o.search).run(ctx);
    if (o.refine) {
      const start = [...visited].sort(byRank)[0];
      await coordinateAscent(ctx, start, o.step / 2, o.step / 20, visited);
    }
    const combinations = visited.length;
    let ranked = [...visited].sort(byRank);
    let fallback: string | undefined;
    if (!ranked[0].feasible && o.relaxConstraints) {
      ranked = [...visited].sort(byLeastViolation);
      fallback = `no combination satisfies ${o.constraints.length === 1 ? o.constraints[0].text : `all ${o.constraints.length} constraints`}; chose the smallest violation (${(-ranked[0].slack).toFixed(4)})`;
    } else if (!ranked[0].feasible) {
      throw new MtrankError(
        `fuse: no combination satisfies ${o.constraints.map((c) => `'${c.text}'`).join(' and ')} on ${valid.source}`,
      );
    }
    const distinct = distinctByKey(ranked);
    const bootStart = { wall: performance.now(), cpu: process.cpuUsage() };
    const boot = o.bootstrap && !fallback ? bootstrapTop(tasks, valid, distinct, baseValid, o, params) : undefined;
    const bootCpu = process.cpuUsage(bootStart.cpu);
    const bootstrapSeconds = boot && {
      wall: (performance.now() - bootStart.wall) / 1000,
      cpu: (bootCpu.user + bootCpu.system) / 1e6,
    };
    const chosen = distinct[boot?.chosen ?? 0];
    const topScored = distinct.slice(0, 10);
    const details = await ev.detail([chosen, ...topScored].map((s) => s.weights));
    const top = topScored.map((s, i) => combination(s, details[i + 1], tasks, visited));
    const best: FusionResult['best'] = combination(chosen, details[0], tasks, visited);
    const hm = await heatmap(ev, tasks, chosen.weights, levels);

    const front = tasks.length >= 2 && tasks.length <= FRONT_MAX_TASKS ? splitFront(ranked, tasks.length) : null;

    let baseTest: Record<string, number> | undefined;
    let frontTest: Float64Array[] = [];
    if (test) {
      // The search is over: its threads stop before the test split's start, so no more than o.threads run.
      await pool.close();
      const testPool = await scorerPool(tasks, test, o, params);
      const frontVectors = (front?.front ?? []).slice(0, FRONT_TESTED).map((s) => s.weights);
      const [m, ...rest] = await testPool.score([chosen.weights, ...frontVectors], {
        taskMask: all,
        withGauc: request.withGauc,
      });
      await testPool.close();
      frontTest = rest;
      best.test = objectiveValue(o.objective, m, (t) => tasks.indexOf(t));
      best.testAucs = record(tasks, (t) => m[t]);
      baseTest = record(tasks, (t) => labelledAuc(test.scores[t], test.labels[t]));
    }
    const aucsOf = (m: Float64Array) => record(tasks, (t) => m[t]);
    const pareto: ParetoResult | null = front && {
      points: front.front.map((s, i) => ({
        weights: deployedWeights(
          o.form,
          record(tasks, (t) => s.weights[t]),
        ),
        aucs: aucsOf(s.metrics),
        ...(frontTest[i] ? { test: aucsOf(frontTest[i]) } : {}),
        chosen: s.key === chosen.key,
      })),
      dominated: front.dominated.map((s) => aucsOf(s.metrics)),
      chosenOnFront: front.front.some((s) => s.key === chosen.key),
    };
    const positives = { valid: positiveCounts(tasks, valid), test: test && positiveCounts(tasks, test) };
    const intervals = o.bootstrap
      ? {
          valid: fewPositiveIntervals(tasks, valid, chosen.weights, o, params),
          ...(test ? { test: fewPositiveIntervals(tasks, test, chosen.weights, o, params) } : {}),
        }
      : undefined;
    const deploy = deployAdvice({
      form: o.form,
      params,
      tasks,
      weights: best.weights,
      aucs: { valid: best.aucs, test: best.testAucs },
      base: { valid: record(tasks, (t) => baseValid[t]), test: baseTest },
      positives,
      rows: { valid: valid.rows, test: test?.rows },
      ...(intervals ? { intervals } : {}),
    });
    if (fallback) deploy.warnings.unshift(fallback);
    if (boot && boot.chosen > 0) deploy.warnings.unshift(choiceNote(boot));
    return {
      form: o.form,
      ...(Object.keys(params).length ? { params: paramsRecord(tasks, params) } : {}),
      search: o.search,
      refine: o.refine,
      step: o.step,
      objective: { ...o.objective, label: objectiveLabel(o.objective) },
      constraints: o.constraints.map((c) => c.text),
      tasks,
      rows: { valid: valid.rows, test: test?.rows },
      combinations,
      evaluated: ev.evaluated,
      best,
      base: { valid: record(tasks, (t) => baseValid[t]), test: baseTest },
      top,
      ...(fallback ? { fallback } : {}),
      ...(boot ? { bootstrap: bootstrapReport(o.form, tasks, distinct, boot) } : {}),
      pareto,
      deploy,
      heatmap: hm,
      threads: pool.threads,
      seconds: (performance.now() - started) / 1000,
      ...(bootstrapSeconds ? { bootstrapSeconds } : {}),
    };
  } finally {
    await pool.close();
  }
}

/**
 * AUC of each task's own score, scored by the pool as the weights e_t (for the linear form the prepared columns
 * are the scores): the same exact midrank AUC as metrics' auc, without sorting a million rows per task.
 */
async function ownScoreAucs(pool: ScorerPool, T: number): Promise<number[]> {
  const unit = Array.from({ length: T }, (_, t) => Array.from({ length: T }, (_, k) => (k === t ? 1 : 0)));
  const metrics = await pool.score(unit, { taskMask: (1 << T) - 1, withGauc: false });
  return metrics.map((m, t) => m[t]);
}

/** The scorer pool for a split: tasks with missing labels are scored on their labelled rows (missing-labels.ts). */
function scorerPool(tasks: string[], s: ScoreSplit, o: FuseOptions, params: FormParams): Promise<ScorerPool> {
  const slot = objectiveLastSlot(o.objective) ? tasks.indexOf(objectiveTasks(o.objective)[0]!) : -1;
  return splitPool({
    split: s,
    data: (split, withSlot) => scoringData(tasks, split, o, params, withSlot),
    slotTask: slot,
    threads: o.threads,
    create: createPools,
  });
}

/**
 * Columns for the form (and its fixed term); with a grouped objective (GAUC, value-ndcg) the rows are reordered so
 * each group is contiguous; with a value objective the value metric's inputs.
 */
function scoringData(tasks: string[], s: ScoreSplit, o: FuseOptions, params: FormParams, slot = true): ScoringData {
  const prepared = prepareScores(o.form, params, s.scores, s.value);
  let { columns, offset } = prepared;
  let labels = s.labels,
    value = s.value;
  // The objective's GAUC / value slot is computed by another pool (its task has missing labels): AUCs only.
  if (!slot) return { rows: s.rows, columns, labels, ...(offset ? { offset } : {}) };
  const [objectiveTask] = objectiveTasks(o.objective);
  const task = tasks.indexOf(objectiveTask!);
  const valueMetric = (kind: ValueMetricData['kind'], segments?: Uint32Array): ValueMetricData => ({
    kind,
    labels: labels[task],
    values: value!,
    ...(segments ? { segments } : {}),
    ...(o.objective.type === 'value-ndcg' && o.objective.k !== undefined ? { k: o.objective.k } : {}),
  });
  if (!objectiveGrouped(o.objective)) {
    const data: ScoringData = { rows: s.rows, columns, labels, ...(offset ? { offset } : {}) };
    if (o.objective.type === 'value-auc') {
      if (!labels[task].some((y, r) => y === 1 && value![r] > 0))
        throw new MtrankError(
          `fuse: ${s.source}: no '${objectiveTask}' positive has a value > 0, so value-auc is undefined`,
        );
      data.valueMetric = valueMetric('value-auc');
    }
    return data;
  }
  const { order, starts } = groupRows(s.group!);
  const permute = <A extends Float64Array | Uint8Array>(a: A): A => {
    const out = a.slice() as A;
    order.forEach((r, k) => {
      out[k] = a[r];
    });
    return out;
  };
  if (o.objective.type === 'value-ndcg') {
    const segments = gainSegments(starts, order, labels[task], value!);
    if (segments.length === 0)
      throw new MtrankError(
        `fuse: ${s.source}: no group has a '${objectiveTask}' positive with a value > 0, so value-ndcg is undefined`,
      );
    columns = columns.map(permute);
    labels = labels.map(permute);
    value = permute(value!);
    offset = offset && permute(offset);
    return {
      rows: s.rows,
      columns,
      labels,
      ...(offset ? { offset } : {}),
      valueMetric: valueMetric('value-ndcg', segments),
    };
  }
  const layout = groupLayout(s.group!, [labels[task]]);
  columns = columns.map(permute);
  labels = labels.map(permute);
  offset = offset && permute(offset);
  if (layout.segments[0].length === 0)
    throw new MtrankError(
      `fuse: ${s.source}: no group holds both a positive and a negative '${objectiveTask}' label, so GAUC is undefined`,
    );
  return { rows: s.rows, columns, labels, ...(offset ? { offset } : {}), gauc: { task, segments: layout.segments[0] } };
}

function checkSplit(tasks: string[], s: ScoreSplit, o: FuseOptions): void {
  for (const t of [
    ...objectiveTasks(o.objective),
    ...o.constraints.flatMap((c) => (c.base ? [c.task, c.base] : [c.task])),
  ]) {
    if (!tasks.includes(t))
      throw new MtrankError(`fuse: unknown task '${t}'${didYouMean(t, tasks)} (tasks: ${tasks.join(', ')})`);
  }
  if (tasks.length > 16) throw new MtrankError(`fuse: at most 16 tasks, got ${tasks.length}`);
  if (objectiveGrouped(o.objective) && !s.group)
    throw new MtrankError(`fuse: ${s.source}: the ${o.objective.type} objective needs a group column`);
  const def = FORM_DEFS[o.form];
  if ((def.usesValue || objectiveUsesValue(o.objective)) && !s.value)
    throw new MtrankError(
      `fuse: ${s.source}: the ${def.usesValue ? `${o.form} form` : `${o.objective.type} objective`} needs a value column (--value <column>, fusion.value)`,
    );
  if (s.value) {
    const r = s.value.findIndex((v) => !(Number.isFinite(v) && v >= 0));
    if (r >= 0)
      throw new MtrankError(`fuse: ${s.source}, row ${r + 1}: value ${s.value[r]} must be a finite number ≥ 0`);
  }
  tasks.forEach((t, i) => {
    const y = s.labels[i];
    const p = positives(y),
      n = y.reduce((a, b) => a + (b === 0 ? 1 : 0), 0);
    if (p === 0 || n === 0)
      throw new MtrankError(
        `fuse: ${s.source}: task '${t}' has ${p + n === 0 ? 'no labelled row' : `only ${p === 0 ? 'negative' : 'positive'} labels`}, so its AUC is undefined`,
      );
    const x = s.scores[i];
    let lo = Infinity,
      hi = -Infinity;
    for (let r = 0; r < x.length; r++) {
      if (x[r] < lo) lo = x[r];
      if (x[r] > hi) hi = x[r];
    }
    if (x.length > 0 && lo === hi)
      throw new MtrankError(
        `fuse: ${s.source}: the scores of task '${t}' are all ${lo}, so its weight cannot change any ranking; check the predictions or leave the task out`,
      );
    if (lo < FORM_DEFS[o.form].minScore(i, {}))
      throw new MtrankError(
        `fuse: ${s.source}: the ${o.form} form needs scores ≥ 0 (probabilities), but task '${t}' has ${lo}; use --form linear or rank`,
      );
  });
}

function distinctByKey(ranked: Scored[]): Scored[] {
  const seen = new Set<string>();
  return ranked.filter((s) => !seen.has(s.key) && seen.add(s.key));
}

function combination(s: Scored, m: Float64Array, tasks: string[], visited: Scored[]): Combination {
  const weights = record(tasks, (t) => s.weights[t]);
  const equivalent = visited
    .filter((v) => v.key === s.key && v.order !== s.order && v.weights.some((w, t) => w !== s.weights[t]))
    .filter((v, i, all) => all.findIndex((u) => u.weights.every((w, t) => w === v.weights[t])) === i)
    .map((v) => record(tasks, (t) => v.weights[t]));
  const out: Combination = {
    weights,
    objective: s.objective,
    feasible: s.feasible,
    aucs: record(tasks, (t) => m[t]),
    equivalent,
  };
  if (!Number.isNaN(m[tasks.length])) out.gauc = m[tasks.length];
  return out;
}

/** Candidates bootstrapped: the best feasible distinct rankings. */
export const BOOTSTRAP_CANDIDATES = 20;

/** Bootstrap intervals (o.bootstrap resamples) of the chosen weights' AUC and its change, for tasks with few positives. */
function fewPositiveIntervals(
  tasks: string[],
  s: ScoreSplit,
  weights: number[],
  o: FuseOptions,
  params: FormParams,
): Record<string, AucInterval> {
  const out: Record<string, AucInterval> = {};
  let fused: Float64Array | undefined;
  tasks.forEach((name, t) => {
    if (positives(s.labels[t]) >= FEW_POSITIVES) return;
    fused ??= searchedScore(weights, prepareScores(o.form, params, s.scores, s.value), new Float64Array(s.rows));
    // On the task's labelled rows: the fused and own scores compacted alike.
    const own = labelledTask(s.scores[t], s.labels[t], s.group),
      f = labelledTask(fused, s.labels[t]);
    out[name] = aucInterval(f.score, own.score, own.labels, own.group, o.bootstrap!, o.seed);
  });
  return out;
}

/** Why the bootstrap did not keep the point-best, for the Deploy box. */
function choiceNote(b: BootstrapResult): string {
  const c = b.candidates[b.chosen],
    first = b.candidates[0];
  const ci = (x: { lo: number; hi: number }) => `[${x.lo.toFixed(4)}, ${x.hi.toFixed(4)}]`;
  return b.reason === 'cheaper'
    ? `bootstrap: chose rank ${b.chosen + 1}, statistically tied with the point-best on the objective (${b.resamples} paired resamples; 95% intervals ${ci(c)} vs ${ci(first)}) and ${(first.cost! - c.cost!).toFixed(4)} AUC cheaper for the other tasks`
    : `bootstrap: the point-best is clearly beaten on ${b.resamples} paired resamples; chose rank ${b.chosen + 1} (95% interval ${ci(c)})`;
}

/**
 * Bootstraps the objective (AUC or weighted AUC) of the top feasible rankings; undefined for GAUC objectives.
 * Each candidate's cost for the tie-break: the AUC the tasks outside the objective lose against their own scores.
 */
function bootstrapTop(
  tasks: string[],
  s: ScoreSplit,
  distinct: Scored[],
  baseValid: number[],
  o: FuseOptions,
  params: FormParams,
): BootstrapResult | undefined {
  if (o.objective.type !== 'auc' && o.objective.type !== 'weighted-auc') return undefined;
  // feasible rankings come first in `distinct` (byRank), so these are its first entries: indices agree
  const candidates = distinct.filter((c) => c.feasible).slice(0, BOOTSTRAP_CANDIDATES);
  if (candidates.length < 2) return undefined;
  const prepared = prepareScores(o.form, params, s.scores, s.value);
  const terms =
    o.objective.type === 'auc'
      ? [{ task: o.objective.task, weight: 1 }]
      : Object.entries(o.objective.weights).map(([task, weight]) => ({ task, weight }));
  const termLabels = terms.map((t) => s.labels[tasks.indexOf(t.task)]);
  // One objective task with missing labels: resample its labelled rows. Several, each on its own rows: not
  // bootstrapped (one resample cannot weigh different row sets alike), the point-best is kept.
  if (terms.length > 1 && termLabels.some(hasMissing)) return undefined;
  const rows = labelledRows(termLabels[0]);
  const on = <A extends Float64Array | Uint8Array | Int32Array>(a: A): A => (rows ? pick(a, rows) : a);
  const r = bootstrapChoice({
    scores: candidates.map((c) => on(searchedScore(c.weights, prepared, new Float64Array(s.rows)))),
    objective: terms.map((t, k) => ({ labels: on(termLabels[k]), weight: t.weight })),
    group: s.group && on(s.group),
    resamples: o.bootstrap!,
    seed: o.seed,
    cost: otherTaskCosts(tasks, candidates, baseValid, objectiveTasks(o.objective)),
  });
  r.candidates.forEach((c, i) => (c.objective = candidates[i].objective));
  return r;
}

/** Σ over tasks outside the objective of max(0, own AUC − fused AUC); undefined when there are none or an AUC is missing. */
function otherTaskCosts(
  tasks: string[],
  candidates: Scored[],
  baseValid: number[],
  objective: string[],
): number[] | undefined {
  const others = tasks.map((t, i) => (objective.includes(t) ? -1 : i)).filter((i) => i >= 0);
  if (others.length === 0 || candidates.some((c) => others.some((t) => Number.isNaN(c.metrics[t])))) return undefined;
  return candidates.map((c) => others.reduce((sum, t) => sum + Math.max(0, baseValid[t] - c.metrics[t]), 0));
}

function bootstrapReport(
  form: FusionForm,
  tasks: string[],
  distinct: Scored[],
  b: BootstrapResult,
): NonNullable<FusionResult['bootstrap']> {
  return {
    resamples: b.resamples,
    by: b.by,
    candidates: b.candidates.map((c, i) => ({
      weights: deployedWeights(
        form,
        record(tasks, (t) => distinct[i].weights[t]),
      ),
      objective: c.objective,
      lo: c.lo,
      hi: c.hi,
      beaten: c.beatenBy !== undefined,
      tied: c.tied,
      ...(c.cost !== undefined ? { cost: c.cost } : {}),
    })),
    chosen: b.chosen,
    reason: b.reason,
  };
}

function positiveCounts(tasks: string[], s: ScoreSplit): Record<string, number> {
  return record(tasks, (t) => positives(s.labels[t]));
}

function record(tasks: string[], value: (t: number) => number): Record<string, number> {
  return Object.fromEntries(tasks.map((name, t) => [name, value(t)]));
}
