/**
 * What a sweep knows about one trial's run folder: trial.json, written by the sweep (never by the trainer) once
 * the trainer is gone, says how the trial ended (finished or stopped early), how long it took and where it ran.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isCompleteRun } from '../../report/run-data.js';
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

export const isDone = (s: TrialState): boolean => s === 'finished' || s === 'stopped';
