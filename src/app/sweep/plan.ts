/**
 * Sweep planning: `--grid path=v1,v2,...` axes → the cartesian product of points → one trial per point (and per
 * seed with `--seeds K`), each identified by the hash of its full resolved config. Running them is local.ts's
 * (one machine) or coordinator.ts's (a queue) job.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { configLoader, type ConfigOverride, type ExperimentConfig } from '../../config/index.js';
import { MtrankError } from '../../util/errors.js';

export interface GridAxis {
  path: string;
  values: string[];
}

/** Splits on commas outside brackets/braces/quotes, so `model.bottom=[64,32],[128]` gives two values. */
export function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0,
    quote = '',
    cur = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur.trim());
  return out;
}

export function parseGrid(arg: string): GridAxis {
  const eq = arg.indexOf('=');
  const path = eq > 0 ? arg.slice(0, eq).trim() : '';
  if (!path || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) {
    throw new MtrankError(`--grid '${arg}': expected path=v1,v2,... (e.g. tasks.order.labelWeight=1,10,100)`);
  }
  const values = splitValues(arg.slice(eq + 1));
  if (values.some((v) => v === '')) throw new MtrankError(`--grid '${arg}': empty value in the list`);
  if (new Set(values).size !== values.length) throw new MtrankError(`--grid '${arg}': a value is listed twice`);
  return { path, values };
}

export interface SweepPoint {
  /** `--set` arguments of this point, in grid order. */
  sets: string[];
  /** Directory name under the sweep's output directory. */
  name: string;
}

/** File-system-safe name of a point; long ones are shortened and made unique by a hash. */
export function pointName(sets: string[]): string {
  const name = sets.join('__').replace(/[^A-Za-z0-9._=+-]/g, '_');
  if (name.length <= 120) return name;
  return `${name.slice(0, 100)}-${createHash('sha1').update(sets.join('\n')).digest('hex').slice(0, 10)}`;
}

/** The cartesian product, first axis varying slowest (the order the user wrote). */
export function sweepPoints(axes: GridAxis[]): SweepPoint[] {
  const paths = axes.map((a) => a.path);
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup) throw new MtrankError(`--grid: '${dup}' is given twice`);
  let combos: string[][] = [[]];
  for (const a of axes) combos = combos.flatMap((c) => a.values.map((v) => [...c, `${a.path}=${v}`]));
  return combos.map((sets) => ({ sets, name: pointName(sets) }));
}

export interface PlannedRun {
  point: SweepPoint;
  /** Passed as `--seed` when the sweep repeats points over seeds. */
  seed?: number;
  dir: string;
  /** Where the trainer's output goes (outside the run directory, which belongs to the trainer). */
  log: string;
}

export function planRuns(points: SweepPoint[], outDir: string, seeds: number[] | undefined): PlannedRun[] {
  return points.flatMap((point) =>
    seeds
      ? seeds.map((seed) => ({
          point,
          seed,
          dir: join(outDir, point.name, `seed-${seed}`),
          log: join(outDir, 'logs', `${point.name}.seed-${seed}.log`),
        }))
      : [{ point, dir: join(outDir, point.name), log: join(outDir, 'logs', `${point.name}.log`) }],
  );
}

/**
 * The overrides a trial's trainer applies, in the trainer's order: sweep-wide, the point's, then the seed; each
 * with the flag it came from, so a bad value is reported as the user's --set or --grid argument.
 */
export function trialOverrides(sets: string[], run: Pick<PlannedRun, 'point' | 'seed'>): ConfigOverride[] {
  return [
    ...sets,
    ...run.point.sets.map((text) => ({ flag: '--grid', text })),
    ...(run.seed !== undefined ? [{ flag: '--seeds', text: `seed=${run.seed}` }] : []),
  ];
}

/** JSON with object keys sorted at every level: the same config gives the same text whatever built it. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

/**
 * A trial's identity: the SHA-256 of its resolved config (keys sorted, so config.json written by `train` from
 * the same settings hashes the same), so a rerun with another --set or an edited base config never takes an old
 * run for this trial.
 */
export function configHash(config: ExperimentConfig | Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(config)))
    .digest('hex');
}

export interface ResolvedTrial {
  config: ExperimentConfig;
  hash: string;
}

/**
 * Loads and validates each trial's config up front: a config error stops the sweep before anything runs. `load` is
 * the sweep's one read of the config file.
 */
export function resolveTrial(
  configPath: string,
  overrides: readonly ConfigOverride[],
  load = configLoader(configPath),
): ResolvedTrial {
  const config = load(overrides);
  return { config, hash: configHash(config) };
}

export interface SweepPlanInput {
  config: string;
  /** `path=v1,v2,...`, one per axis. */
  grids: string[];
  /** Extra `--set k=v` for every run. */
  sets?: string[];
  /** Repeat each point with this many seeds (config seed, +1, ...). */
  seeds?: number;
  out?: string;
}

export interface SweepPlan {
  config: string;
  axes: GridAxis[];
  sets: string[];
  seeds?: number[];
  out: string;
  points: SweepPoint[];
  runs: PlannedRun[];
  /** Each run's resolved config and its hash (the trial's identity). */
  trials: Map<PlannedRun, ResolvedTrial>;
}

/** Validates the inputs and resolves every trial's config: all config errors surface before anything runs. */
export function planSweep(o: SweepPlanInput): SweepPlan {
  const config = resolve(o.config);
  if (!existsSync(config)) throw new MtrankError(`${o.config}: no such config file`);
  if (!o.grids.length) throw new MtrankError('sweep needs at least one --grid path=v1,v2,...');
  const seedCount = o.seeds ?? 1;
  if (!Number.isInteger(seedCount) || seedCount < 1)
    throw new MtrankError(`--seeds ${o.seeds}: must be a positive integer`);
  const axes = o.grids.map(parseGrid);
  const sets = [...(o.sets ?? [])];
  const load = configLoader(config);
  const base = seedCount > 1 ? resolveTrial(config, sets, load).config.seed : undefined;
  const seeds = base === undefined ? undefined : Array.from({ length: seedCount }, (_, i) => base + i);
  const out = resolve(o.out ?? join('runs', `sweep-${basename(config).replace(/\.[^.]+$/, '')}`));
  const points = sweepPoints(axes);
  const runs = planRuns(points, out, seeds);
  const trials = new Map(runs.map((r) => [r, resolveTrial(config, trialOverrides(sets, r), load)]));
  return { config, axes, sets, seeds, out, points, runs, trials };
}
