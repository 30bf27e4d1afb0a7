/**
 * What a sweep knows about one trial's run folder: trial.json, written by the sweep (never by the trainer) once
 * the trainer is gone, says how the trial ended (finished or stopped early), how long it took and where it ran.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isCompleteRun } from '../../report/run-data.js';
import type { SweepTrialRow } from '../../report/sweep-report.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { configHash } from './plan.js';
import type { StopVerdict } from './early-stop.js';

export interface TrialInfo {
  hash: string;
  status: 'finished' | 'stopped';
  /** Wall time of the attempt that ended the trial, seconds. */
  seconds: number;
  worker: string;
  stepsTrained: number;
  stop?: StopVerdict & { metric: string; method: string };
}

export type TrialState = 'missing' | 'other-config' | 'partial' | 'finished' | 'stopped';

export const workerName = (): string => `${hostname()}:${process.pid}`;

/** Hash of the resolved config a run folder was trained with, or undefined when it has none. */
export function runConfigHash(dir: string): string | undefined {
  try {
    return configHash(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

export function readTrialInfo(dir: string): TrialInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'trial.json'), 'utf8')) as TrialInfo;
  } catch {
    return undefined;
  }
}

export function writeTrialInfo(dir: string, info: TrialInfo): void {
  writeFileAtomic(join(dir, 'trial.json'), JSON.stringify(info, null, 2) + '\n');
}

/** Where a trial stands in `dir`, for the trial whose resolved config hashes to `hash`. */
export function trialState(dir: string, hash: string): TrialState {
  if (!existsSync(dir)) return 'missing';
  const found = runConfigHash(dir);
  if (found === undefined) return 'partial';
  if (found !== hash) return 'other-config';
  if (readTrialInfo(dir)?.status === 'stopped') return 'stopped';
  return isCompleteRun(dir) ? 'finished' : 'partial';
}

export const isDone = (s: TrialState): s is 'finished' | 'stopped' => s === 'finished' || s === 'stopped';

/** The report's row for a trial: its state, and what its run folder says (test metrics, best steps, trial.json). */
export function trialRow(
  dir: string,
  hash: string,
  trial: { sets: string[]; seed?: number },
  fallback: 'pending' | 'failed' | 'running' = 'pending',
): SweepTrialRow {
  const state = trialState(dir, hash);
  const row: SweepTrialRow = { sets: trial.sets, seed: trial.seed, status: isDone(state) ? state : fallback, dir };
  const info = readTrialInfo(dir);
  if (info && isDone(state)) {
    row.seconds = info.seconds;
    row.worker = info.worker;
    row.stepsTrained = info.stepsTrained;
    row.stoppedAt = info.stop?.step;
  }
  if (state === 'finished') {
    try {
      const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as Pick<SweepTrialRow, 'test' | 'bestStep'>;
      row.test = m.test;
      row.bestStep = m.bestStep;
    } catch {
      // isCompleteRun has read it a moment ago; a vanished file leaves the row without numbers.
    }
  }
  return row;
}
