/**
 * `mtrank sweep` on one machine: trains every point of a grid (× seeds) as a separate `mtrank train` child
 * process, at most `parallel` at a time, skipping runs that already finished with the same resolved config (so
 * an interrupted sweep resumes, and a changed one retrains), then writes the comparison report over the points.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeCompareReport } from '../../report/compare.js';
import { isCompleteRun } from '../../report/run-data.js';
import { MtrankError } from '../../util/errors.js';
import { runDirLockOwner } from '../../training/run-lock.js';
import { tail } from './child.js';
import { trainerFor } from './trainers.js';
import { MemoryRungBook, TrialStopper, checkEarlyStop, type EarlyStopSpec } from './early-stop.js';
import { followTrial, readGrowingLog, stepsTrained } from './follow.js';
import { isDone, runConfigHash, trialRow, trialState, workerName, writeTrialInfo } from './trial-record.js';
import { planSweep, type PlannedRun } from './plan.js';
import { writeSweepResults } from './results.js';
import { counted } from '../../util/plural.js';

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
  /** A program to run per trial, argv before `train CONFIG ...` (default: mtrank's warm trainer, trainers.ts). */
  trainCommand?: string[];
  /** Trials one trainer process runs before it is replaced (default 20; 1: a new process per trial). */
  trainerReuse?: number;
  png?: boolean;
  /** Stop hopeless trials on their periodic validation (asha or median). */
  earlyStop?: EarlyStopSpec;
  /** The two tasks of the Pareto chart (test AUC); default: the first two. */
  paretoTasks?: [string, string];
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface SweepResult {
  runs: PlannedRun[];
  ran: PlannedRun[];
  skipped: PlannedRun[];
  /** Stopped early by --early-stop (marked so in their trial.json; a rerun does not train them again). */
  stopped: PlannedRun[];
  failed: { run: PlannedRun; code: number | null }[];
  report?: string;
  /** DIR/sweep.html: trial table, mean ± sd over seeds, Pareto front. */
  sweepReport?: string;
}

function trainArgs(run: PlannedRun, config: string, sets: string[], resume: boolean): string[] {
  const args = ['train', config, '--out', run.dir, ...(resume ? ['--resume'] : [])];
  for (const s of [...sets, ...run.point.sets]) args.push('--set', s);
  if (run.seed !== undefined) args.push('--seed', String(run.seed));
  args.push('--quiet');
  return args;
}

/**
 * A run left by other settings (a different --set, an edited base config) is moved aside, never reported as
 * this trial: returns true when `run.dir` holds a finished or early-stopped run of exactly `hash`.
 */
function doneWith(run: PlannedRun, hash: string, log: (l: string) => void): boolean {
  const state = trialState(run.dir, hash);
  if (state !== 'other-config') return isDone(state);
  const aside = `${run.dir}.replaced-${runConfigHash(run.dir)!.slice(0, 12)}`;
  renameSync(run.dir, aside);
  log(`sweep: ${run.dir} was trained with other settings; moved to ${aside}`);
  return false;
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
  const cores = availableParallelism();
  const parallel = o.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > cores) {
    throw new MtrankError(`--parallel ${o.parallel}: must be an integer from 1 to the number of cores (${cores})`);
  }
  if (o.earlyStop) checkEarlyStop(o.earlyStop);
  const sets = [...(o.sets ?? [])];
  // Parallel runs share the cores: give each its share of threads unless the user decided.
  if (parallel > 1 && ![...sets, ...o.grids].some((s) => s.startsWith('training.threads='))) {
    sets.push(`training.threads=${Math.max(1, Math.floor(cores / parallel))}`);
  }
  const plan = planSweep({ ...o, sets });
  const { config, axes, seeds, out, points, runs } = plan;
  const trainer = trainerFor(o);
  const hashes = new Map(runs.map((r) => [r, plan.trials.get(r)!.hash]));
  const result: SweepResult = { runs, ran: [], skipped: [], failed: [], stopped: [] };
  const book = new MemoryRungBook();
  const todo = runs.filter((r) => {
    if (!doneWith(r, hashes.get(r)!, log)) return true;
    result.skipped.push(r);
    return false;
  });
  log(
    `sweep: ${counted(points.length, 'point')} × ${counted(seeds?.length ?? 1, 'seed')} = ${counted(runs.length, 'run')} in ${out}; ${result.skipped.length} already complete, ${todo.length} to train, ${Math.min(parallel, Math.max(1, todo.length))} at a time`,
  );

  // A trainer of an earlier sweep still writing a trial (e.g. orphaned by a kill): never start beside it or
  // clear its directory under it; the run directory's lock names it.
  const busy = todo.flatMap((run) => {
    const owner = runDirLockOwner(run.dir);
    return owner ? [`${run.dir} (pid ${owner.pid}, ${owner.command})`] : [];
  });
  if (busy.length > 0)
    throw new MtrankError(
      `sweep: ${busy.length} trial director${busy.length > 1 ? 'ies are' : 'y is'} still being written by another trainer: ${busy.join('; ')}; stop ${busy.length > 1 ? 'them' : 'it'} or wait, then rerun the sweep`,
      undefined,
      'busy',
    );
  let done = 0;
  try {
    await pool(todo, parallel, async (run) => {
      const name = `${run.point.sets.join(' ')}${run.seed !== undefined ? ` seed=${run.seed}` : ''}`;
      const t0 = performance.now();
      const hash = hashes.get(run)!;
      // A trial cut short by an earlier sweep resumes from its checkpoint; without one it starts afresh.
      const resume =
        runConfigHash(run.dir) === hash && existsSync(join(run.dir, 'checkpoints', 'last', 'manifest.json'));
      if (!resume) rmSync(run.dir, { recursive: true, force: true });
      const running = trainer.start(trainArgs(run, config, sets, resume), run.log);
      const stopper = o.earlyStop && new TrialStopper(o.earlyStop, book, hash);
      const verdict = stopper ? await followTrial(running, join(run.dir, 'metrics.jsonl'), { stopper }) : undefined;
      const exit = await running.exit;
      const code = exit.code;
      if (exit.startError)
        log(`sweep: cannot start the trainer (${o.trainCommand?.[0] ?? 'mtrank'}): ${exit.startError}`);
      done++;
      const seconds = (performance.now() - t0) / 1000;
      const secs = seconds.toFixed(1);
      const info = {
        hash,
        seconds,
        worker: workerName(),
        stepsTrained: stepsTrained(readGrowingLog(join(run.dir, 'metrics.jsonl'))),
      };
      if (verdict) {
        writeTrialInfo(run.dir, {
          ...info,
          status: 'stopped',
          stop: { ...verdict, metric: o.earlyStop!.metric, method: o.earlyStop!.method },
        });
        result.stopped.push(run);
        log(
          `[${done}/${todo.length}] ${name}: stopped early at step ${verdict.step} (rung ${verdict.rung}) after ${secs} s`,
        );
      } else if (code === 0 && isCompleteRun(run.dir)) {
        writeTrialInfo(run.dir, { ...info, status: 'finished' });
        result.ran.push(run);
        log(`[${done}/${todo.length}] ${name}: done in ${secs} s`);
      } else {
        result.failed.push({ run, code });
        log(
          `[${done}/${todo.length}] ${name}: FAILED (exit ${code}${code === 0 ? ', but no complete metrics.json' : ''}) after ${secs} s; log ${run.log}\n${tail(run.log)}`,
        );
      }
    });
  } finally {
    await trainer.close();
  }

  const failedRuns = new Set(result.failed.map((f) => f.run));
  result.sweepReport = await writeSweepResults(
    plan,
    (r) =>
      trialRow(r.dir, hashes.get(r)!, { sets: r.point.sets, seed: r.seed }, failedRuns.has(r) ? 'failed' : 'pending'),
    o.paretoTasks,
  );
  log(`sweep: trial table and Pareto front ${result.sweepReport}`);

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
      `sweep: ${result.failed.length} of ${counted(runs.length, 'run')} failed (logs under ${join(out, 'logs')}); rerun the same command to retry them`,
      { result },
    );
  }
  return result;
}
