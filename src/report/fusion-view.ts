/**
 * fusion.json (written by `mtrank fuse --run`) reduced to what the run report shows: best weights, the
 * top combinations and the heatmap grid. Reading is tolerant of the optional parts; a heatmap whose grid
 * does not match its axes is an error rather than a silently wrong picture.
 */
import { MtrankError } from '../util/errors.js';

export interface FusionCombination {
  weights: Record<string, number>;
  objective?: number;
  /** Per-task AUC of the fused score, when the search recorded them. */
  aucs?: Record<string, number>;
}

/** What to deploy (fusion.json "deploy", written since the Deploy box). */
export interface DeployView {
  formula: string;
  weights: Record<string, number>;
  changes: Record<string, { valid?: number; test?: number }>;
  positives?: { valid?: Record<string, number>; test?: Record<string, number> };
  /** Bootstrap 95% intervals of the AUC change per task with few positives: [lo, hi]. */
  intervals?: { valid?: Record<string, [number, number]>; test?: Record<string, [number, number]> };
  warnings: string[];
}

/** Bootstrap of the top candidates (fusion.json "bootstrap"): intervals of the objective, the chosen one. */
export interface BootstrapView {
  resamples: number;
  by: string;
  candidates: { weights: Record<string, number>; objective?: number; lo: number; hi: number; tied?: boolean }[];
  chosen: number;
  reason?: string;
}

export interface FrontPointView {
  aucs: Record<string, number>;
  test?: Record<string, number>;
  weights: Record<string, number>;
  chosen: boolean;
}

export interface FusionView {
  deploy?: DeployView;
  bootstrap?: BootstrapView;
  /** Pareto front over the tasks' valid AUCs, and dominated rankings' AUCs (for the chart). */
  pareto?: { points: FrontPointView[]; dominated: Record<string, number>[] };
  form?: string;
  objectiveLabel: string;
  best?: FusionCombination & { test?: number; testAucs?: Record<string, number> };
  /** Each task's own score's AUC (no fusion), on the search split and on test. */
  base?: { valid?: Record<string, number>; test?: Record<string, number> };
  top: FusionCombination[];
  heatmap?: {
    x: { task: string; weights: number[] };
    y: { task: string; weights: number[] };
    fixed: Record<string, number>;
    /** values[i][j] = objective at y.weights[i], x.weights[j]. */
    values: number[][];
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const numRecord = (v: unknown): Record<string, number> | undefined => {
  if (!isObj(v)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'number') out[k] = x;
  return out;
};
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function objectiveLabel(o: unknown): string {
  if (typeof o === 'string') return o;
  if (isObj(o)) {
    if (typeof o.label === 'string') return o.label;
    const type = typeof o.type === 'string' ? o.type.toUpperCase() : 'objective';
    if (typeof o.task === 'string') return `${type}(${o.task})`;
    if (typeof o.group === 'string') return `${type}(by ${o.group})`;
    return type;
  }
  return 'objective';
}

function combination(v: unknown): FusionCombination | undefined {
  if (!isObj(v)) return undefined;
  const weights = numRecord(v.weights);
  if (!weights) return undefined;
  return {
    weights,
    objective: num(v.objective) ?? num(v.value) ?? num(v.score),
    aucs: numRecord(v.aucs) ?? numRecord(v.taskAuc) ?? numRecord(v.auc),
  };
}

function linspace01(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? 0 : Number((i / (n - 1)).toFixed(6))));
}

function axis(v: unknown, n: number, file: string, name: string): { task: string; weights: number[] } {
  if (typeof v === 'string') return { task: v, weights: linspace01(n) };
  if (isObj(v) && typeof v.task === 'string') {
    const w = [v.weights, v.values, v.grid].find(Array.isArray) as unknown[] | undefined;
    return { task: v.task, weights: w ? w.map(Number) : linspace01(n) };
  }
  throw new MtrankError(`${file}: heatmap.${name} must be a task name or { task, weights }`);
}

export function fusionView(json: unknown, file = 'fusion.json'): FusionView | undefined {
  if (!isObj(json)) return undefined;
  const topRaw = [json.top, json.top10, json.topCombinations].find(Array.isArray) as unknown[] | undefined;
  const top = (topRaw ?? [])
    .map(combination)
    .filter((c): c is FusionCombination => !!c)
    .slice(0, 10);
  const bestRaw = isObj(json.best)
    ? json.best
    : numRecord(json.bestWeights)
      ? { weights: json.bestWeights, objective: json.bestObjective }
      : undefined;
  const best0 = combination(bestRaw);
  const test = isObj(bestRaw)
    ? (num(bestRaw.test) ??
      num(bestRaw.testObjective) ??
      (isObj(bestRaw.test) ? num(bestRaw.test.objective) : undefined))
    : undefined;
  const best = best0
    ? {
        ...best0,
        test: test ?? num(json.testObjective),
        testAucs: isObj(bestRaw) ? numRecord(bestRaw.testAucs) : undefined,
      }
    : top[0];
  const base = isObj(json.base) ? { valid: numRecord(json.base.valid), test: numRecord(json.base.test) } : undefined;

  let heatmap: FusionView['heatmap'];
  const h = json.heatmap;
  if (isObj(h) && Array.isArray(h.values)) {
    const rows = h.values as unknown[];
    if (!rows.every(Array.isArray)) throw new MtrankError(`${file}: heatmap.values must be a grid (an array of rows)`);
    const values = (rows as unknown[][]).map((r) => r.map((v) => (typeof v === 'number' ? v : NaN)));
    const y = axis(h.y, values.length, file, 'y');
    const x = axis(h.x, values[0]?.length ?? 0, file, 'x');
    if (values.length !== y.weights.length || values.some((r) => r.length !== x.weights.length)) {
      throw new MtrankError(
        `${file}: heatmap.values is ${values.length}×${values[0]?.length ?? 0}, but the axes have ${y.weights.length} (y) × ${x.weights.length} (x) weights`,
      );
    }
    heatmap = { x, y, fixed: numRecord(h.fixed) ?? {}, values };
  }
  if (!best && !top.length && !heatmap) return undefined;
  const deploy = deployOf(json.deploy);
  const pareto = paretoOf(json.pareto);
  const bootstrap = bootstrapOf(json.bootstrap);
  return {
    form: typeof json.form === 'string' ? json.form : undefined,
    objectiveLabel: objectiveLabel(json.objective),
    best,
    base,
    top,
    heatmap,
    ...(deploy ? { deploy } : {}),
    ...(pareto ? { pareto } : {}),
    ...(bootstrap ? { bootstrap } : {}),
  };
}

function bootstrapOf(b: unknown): BootstrapView | undefined {
  if (!isObj(b) || !Array.isArray(b.candidates) || typeof b.chosen !== 'number') return undefined;
  const candidates = b.candidates.flatMap((c): BootstrapView['candidates'] => {
    const weights = isObj(c) ? numRecord(c.weights) : undefined;
    if (!isObj(c) || !weights || typeof c.lo !== 'number' || typeof c.hi !== 'number') return [];
    return [{ weights, objective: num(c.objective), lo: c.lo, hi: c.hi, tied: c.tied === true }];
  });
  return {
    resamples: num(b.resamples) ?? candidates.length,
    by: typeof b.by === 'string' ? b.by : 'row',
    candidates,
    chosen: b.chosen,
    ...(typeof b.reason === 'string' ? { reason: b.reason } : {}),
  };
}

/** [lo, hi] of the change from fusion.json deploy.intervals.<split>.<task>.change. */
function changeIntervals(v: unknown): Record<string, [number, number]> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, [number, number]> = {};
  for (const [t, ci] of Object.entries(v))
    if (
      isObj(ci) &&
      Array.isArray(ci.change) &&
      ci.change.length === 2 &&
      ci.change.every((x) => typeof x === 'number')
    )
      out[t] = [ci.change[0] as number, ci.change[1] as number];
  return out;
}

function deployOf(d: unknown): DeployView | undefined {
  if (!isObj(d) || typeof d.formula !== 'string') return undefined;
  const weights = numRecord(d.weights) ?? {};
  const changes: DeployView['changes'] = {};
  if (isObj(d.changes))
    for (const [t, c] of Object.entries(d.changes))
      if (isObj(c)) changes[t] = { valid: num(c.valid), test: num(c.test) };
  const positives = isObj(d.positives)
    ? { valid: numRecord(d.positives.valid), test: numRecord(d.positives.test) }
    : undefined;
  const warnings = Array.isArray(d.warnings) ? d.warnings.filter((w): w is string => typeof w === 'string') : [];
  const intervals = isObj(d.intervals)
    ? { valid: changeIntervals(d.intervals.valid), test: changeIntervals(d.intervals.test) }
    : undefined;
  return { formula: d.formula, weights, changes, positives, ...(intervals ? { intervals } : {}), warnings };
}

function paretoOf(p: unknown): FusionView['pareto'] {
  if (!isObj(p) || !Array.isArray(p.points)) return undefined;
  const points = p.points.flatMap((q): FrontPointView[] => {
    const aucs = isObj(q) ? numRecord(q.aucs) : undefined;
    if (!isObj(q) || !aucs) return [];
    return [{ aucs, test: numRecord(q.test), weights: numRecord(q.weights) ?? {}, chosen: q.chosen === true }];
  });
  const dominated = Array.isArray(p.dominated)
    ? p.dominated.map(numRecord).filter((a): a is Record<string, number> => !!a)
    : [];
  return points.length ? { points, dominated } : undefined;
}
