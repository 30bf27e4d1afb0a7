/**
 * `mtrank sweep`: trains every point of a grid (× seeds) as a separate `mtrank train` child process, at
 * most `parallel` at a time, skipping runs that already finished (so an interrupted sweep resumes), then
 * writes the comparison report over the points.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { writeCompareReport } from './compare.js';
import { isCompleteRun } from './run-data.js';
import { parseGrid, planRuns, sweepPoints, type PlannedRun } from './sweep-plan.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';
import { workerUrl } from '../util/worker-url.js';

export interface SweepOptions {
  config: string;
  /** `path=v1,v2,...`, one per axis. */
  grids: string[];
  out?: string;
  /** Extra `--set k=v` for every run. */
  sets?: string[];
  /** Concurrent training processes (default 1; at most the number of cores). */
  parallel?: number;
  /** Repeat each point with this many seeds (config seed, +1, ...); the report shows mean ± std. */
  seeds?: number;
  /** The program that trains: argv before `train CONFIG ...` (default: node dist/cli/main.js). */
  trainCommand?: string[];
  png?: boolean;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface SweepResult {
  runs: PlannedRun[];
  ran: PlannedRun[];
  skipped: PlannedRun[];
  failed: { run: PlannedRun; code: number | null }[];
  report?: string;
}

export function defaultTrainCommand(): string[] {
  return [process.execPath, fileURLToPath(workerUrl(import.meta.url, '../cli/main.js'))];
}

/** The seed the config would use: a `--set seed=N` wins over the file's `seed`, default 42. */
export function baseSeed(configPath: string, sets: string[]): number {
  const fromSet = sets
    .map((s) => /^seed=(-?\d+)$/.exec(s.trim()))
    .filter(Boolean)
    .pop();
  if (fromSet) return Number(fromSet[1]);
  let seed: unknown;
  try {
    seed = (parseYaml(readFileSync(configPath, 'utf8')) as { seed?: unknown } | null)?.seed;
  } catch (e) {
    throw new MtrankError(`${configPath}: cannot read the config (${(e as Error).message})`);
  }
  return typeof seed === 'number' && Number.isInteger(seed) ? seed : 42;
}

function trainArgs(run: PlannedRun, config: string, sets: string[]): string[] {
  const args = ['train', config, '--out', run.dir];
  for (const s of [...sets, ...run.point.sets]) args.push('--set', s);
  if (run.seed !== undefined) args.push('--seed', String(run.seed));
  args.push('--quiet');
  return args;
}

function runChild(command: string[], args: string[], logPath: string): Promise<number | null> {
  mkdirSync(dirname(logPath), { recursive: true });
  const fd = openSync(logPath, 'w');
  return new Promise((resolvePromise) => {
    const child = spawn(command[0], [...command.slice(1), ...args], { stdio: ['ignore', fd, fd] });
    child.on('error', (e) => {
      closeSync(fd);
      resolvePromise(null);
      process.emitWarning(`sweep: cannot start ${command[0]}: ${e.message}`);
    });
    child.on('exit', (code) => {
      closeSync(fd);
      resolvePromise(code);
    });
  });
}

function tail(path: string, lines = 5): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `    ${l}`)
    .join('\n');
}

/** Runs `jobs` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await job(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const config = resolve(o.config);
  if (!existsSync(config)) throw new MtrankError(`${o.config}: no such config file`);
  if (!o.grids.length) throw new MtrankError('sweep needs at least one --grid path=v1,v2,...');
  const cores = availableParallelism();
  const parallel = o.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > cores) {
    throw new MtrankError(`--parallel ${o.parallel}: must be an integer from 1 to the number of cores (${cores})`);
  }
  const seedCount = o.seeds ?? 1;
  if (!Number.isInteger(seedCount) || seedCount < 1)
    throw new MtrankError(`--seeds ${o.seeds}: must be a positive integer`);

  const axes = o.grids.map(parseGrid);
  const sets = [...(o.sets ?? [])];
  // Parallel runs share the cores: give each its share of threads unless the user decided.
  if (parallel > 1 && ![...sets, ...o.grids].some((s) => s.startsWith('training.threads='))) {
    sets.push(`training.threads=${Math.max(1, Math.floor(cores / parallel))}`);
  }
  const base = seedCount > 1 ? baseSeed(config, sets) : undefined;
  const seeds = base === undefined ? undefined : Array.from({ length: seedCount }, (_, i) => base + i);
  const out = resolve(o.out ?? join('runs', `sweep-${basename(config).replace(/\.[^.]+$/, '')}`));
  const points = sweepPoints(axes);
  const runs = planRuns(points, out, seeds);
  const command = o.trainCommand ?? defaultTrainCommand();

  const result: SweepResult = { runs, ran: [], skipped: [], failed: [] };
  const todo = runs.filter((r) => {
    if (!isCompleteRun(r.dir)) return true;
    result.skipped.push(r);
    return false;
  });
  log(
    `sweep: ${points.length} points × ${seeds?.length ?? 1} seeds = ${runs.length} runs in ${out}; ${result.skipped.length} already complete, ${todo.length} to train, ${Math.min(parallel, Math.max(1, todo.length))} at a time`,
  );

  let done = 0;
  await pool(todo, parallel, async (run) => {
    const name = `${run.point.sets.join(' ')}${run.seed !== undefined ? ` seed=${run.seed}` : ''}`;
    const t0 = performance.now();
    const code = await runChild(command, trainArgs(run, config, sets), run.log);
    done++;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (code === 0 && isCompleteRun(run.dir)) {
      result.ran.push(run);
      log(`[${done}/${todo.length}] ${name}: done in ${secs} s`);
    } else {
      result.failed.push({ run, code });
      log(
        `[${done}/${todo.length}] ${name}: FAILED (exit ${code}${code === 0 ? ', but no complete metrics.json' : ''}) after ${secs} s; log ${run.log}\n${tail(run.log)}`,
      );
    }
  });

  writeFileAtomic(
    join(out, 'sweep.json'),
    JSON.stringify(
      {
        config,
        grids: axes,
        sets,
        seeds: seeds ?? null,
        runs: runs.map((r) => ({
          dir: r.dir,
          sets: r.point.sets,
          seed: r.seed ?? null,
          complete: isCompleteRun(r.dir),
        })),
      },
      null,
      2,
    ) + '\n',
  );

  const groups = points
    .map((p) => ({ name: p.name, dirs: runs.filter((r) => r.point === p && isCompleteRun(r.dir)).map((r) => r.dir) }))
    .filter((g) => g.dirs.length);
  if (groups.length) {
    result.report = await writeCompareReport(groups, {
      out: join(out, 'compare.html'),
      png: o.png,
      title: `Sweep: ${axes.map((a) => a.path).join(' × ')}`,
    });
    log(`sweep: comparison report ${result.report}`);
  }
  if (result.failed.length) {
    throw new MtrankError(
      `sweep: ${result.failed.length} of ${runs.length} runs failed (logs under ${join(out, 'logs')}); rerun the same command to retry them`,
      { result },
    );
  }
  return result;
}
