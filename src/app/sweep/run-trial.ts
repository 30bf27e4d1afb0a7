/**
 * One trial of a distributed sweep, start to end, on whichever worker took it: train it in a trainer process in the
 * store's work folder — resuming from its last checkpoint when an earlier attempt died — follow its evaluations
 * (progress, early stopping), and publish the run folder. Independent of the queue, so it is tested directly.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isCompleteRun } from '../../report/run-data.js';
import type { ExperimentConfig } from '../../config/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { MtrankError } from '../../util/errors.js';
import { tail } from './child.js';
import type { EarlyStopSpec, RungBook, StopVerdict } from './early-stop.js';
import { TrialStopper } from './early-stop.js';
import { followTrial, readGrowingLog, stepsTrained } from './follow.js';
import type { TrialStore } from './store.js';
import type { TrainerLauncher } from './trainers.js';
import { runConfigHash, workerName, writeTrialInfo } from './trial-record.js';

export interface TrialSpec {
  /** Sweep id (early-stop decisions are per sweep). */
  sweep: string;
  hash: string;
  /** The point's settings and seed, for people. */
  sets: string[];
  seed?: number;
  /** The resolved config; its hash is `hash`. */
  config: ExperimentConfig;
  earlyStop?: EarlyStopSpec;
}

export interface TrialOutcome {
  status: 'finished' | 'stopped' | 'already-done';
  resumed: boolean;
  stop?: StopVerdict;
}

/** A trial whose trainer exited with an error of its own (config or data): retrying cannot help. */
export class TrialFailed extends MtrankError {}

export interface TrialHooks {
  /** Starts the trial's trainer process (a warm one or a new one). */
  trainer: TrainerLauncher;
  book?: RungBook;
  onEval?: (step: number, records: number) => void | Promise<void>;
  pollMs?: number;
}

export async function runTrial(spec: TrialSpec, store: TrialStore, hooks: TrialHooks): Promise<TrialOutcome> {
  if (store.isDone(spec.hash)) return { status: 'already-done', resumed: false };
  const work = store.workDir(spec.hash);
  const run = join(work, 'run');
  const configFile = join(work, 'config.json');
  mkdirSync(work, { recursive: true });
  writeFileAtomic(configFile, JSON.stringify(spec.config, null, 2) + '\n');
  const ours = runConfigHash(run) === spec.hash;
  const t0 = performance.now();
  const info = () => ({
    hash: spec.hash,
    seconds: (performance.now() - t0) / 1000,
    worker: workerName(),
    stepsTrained: stepsTrained(readGrowingLog(join(run, 'metrics.jsonl'))),
  });
  // Killed after training ended but before the move: only the publishing is left.
  if (ours && isCompleteRun(run)) {
    writeTrialInfo(run, { ...info(), status: 'finished' });
    store.publish(spec.hash, run);
    return { status: 'finished', resumed: true };
  }
  const resume = ours && existsSync(join(run, 'checkpoints', 'last', 'manifest.json'));
  if (!resume) rmSync(run, { recursive: true, force: true });
  writeFileAtomic(join(work, 'owner.json'), JSON.stringify({ worker: workerName(), pid: process.pid, resume }) + '\n');

  const log = join(work, 'train.log');
  const args = ['train', configFile, '--out', run, '--quiet', '--no-report', ...(resume ? ['--resume'] : [])];
  const running = hooks.trainer.start(args, log, true);
  const stopper = spec.earlyStop && hooks.book ? new TrialStopper(spec.earlyStop, hooks.book, spec.hash) : undefined;
  let lastEval = -1;
  const verdict = await followTrial(running, join(run, 'metrics.jsonl'), {
    stopper,
    pollMs: hooks.pollMs,
    onRecords: async (records) => {
      const evals = records.filter((r) => r.type === 'eval' && typeof r.step === 'number');
      const step = evals.at(-1)?.step ?? -1;
      if (step > lastEval && hooks.onEval) await hooks.onEval(step, evals.length);
      lastEval = Math.max(lastEval, step);
    },
  });
  const exit = await running.exit;
  if (verdict) {
    writeTrialInfo(run, {
      ...info(),
      status: 'stopped',
      stop: { ...verdict, metric: spec.earlyStop!.metric, method: spec.earlyStop!.method },
    });
    store.publish(spec.hash, run);
    return { status: 'stopped', resumed: resume, stop: verdict };
  }
  if (exit.code === 0 && isCompleteRun(run)) {
    writeTrialInfo(run, { ...info(), status: 'finished' });
    store.publish(spec.hash, run);
    return { status: 'finished', resumed: resume };
  }
  const what = exit.startError
    ? `could not start the trainer (${exit.startError})`
    : exit.signal
      ? `trainer killed by ${exit.signal}`
      : `trainer exited with code ${exit.code}`;
  const message = `trial ${spec.sets.join(' ')}${spec.seed !== undefined ? ` seed=${spec.seed}` : ''}: ${what}; log ${log}\n${tail(log)}`;
  // A signal (out of memory, an operator) may pass; an exit code is the trainer's own verdict on its input.
  if (exit.signal || exit.startError) throw new MtrankError(message);
  throw new TrialFailed(message);
}
