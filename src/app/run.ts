/**
 * The library's run API: `train` a config into a run directory, `loadRun` a finished one, and use the `Run`
 * (predict raw rows, evaluate a split, read its metrics) — the same work `mtrank train/predict/evaluate` do.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ExperimentConfig, ExperimentConfigInput } from '../config/schema.js';
import type { SplitName } from '../data/types.js';
import { scoreRecords, type RowScores } from './predict.js';
import type { TrainProgress } from '../training/progress.js';
import { runPaths } from '../training/run-dir.js';
import { runTraining, type RunMetricsJson } from '../training/run.js';
import { loadSavedRun, type SavedRun } from '../training/saved-run.js';
import { evaluateRunSplit, type RunEvaluation } from './summary.js';
import { MtrankError } from '../util/errors.js';
import type { FusionResult } from '../fusion/fuse.js';
import { objectiveLabel } from '../fusion/objectives.js';
import { runFuseCommand } from '../fusion/run.js';
import { DEFAULT_COLUMNS } from '../fusion/load.js';
import { FUSE_DEFAULTS, type FuseOptions } from './fuse.js';

const DEFAULT_FUSE_COLUMNS = {
  scoreCol: DEFAULT_COLUMNS.score,
  labelCol: DEFAULT_COLUMNS.label,
  groupCol: DEFAULT_COLUMNS.group,
};

/** What `train` reports while it runs. */
export type TrainEvent =
  | { type: 'message'; message: string }
  | { type: 'start'; totalSteps: number; startStep: number }
  | { type: 'step'; step: number; /** mean task loss since the last report; absent between reports */ loss?: number }
  | {
      type: 'eval';
      step: number;
      /** per-task AUC on the validation split (train split when there is none) */ auc: Record<string, number>;
    };

export interface TrainOptions {
  /** Run directory to write (config.json, preprocess.json, model/, metrics, predictions). */
  out: string;
  /** Overrides the config's seed. */
  seed?: number;
  /** Overrides as in `--set`: `['tasks.order.labelWeight=100']`; unknown keys are errors. */
  set?: string[];
  /** Continue from the run directory's last checkpoint (same config, same result). */
  resume?: boolean;
  /** Progress events; without it, training is silent. */
  onProgress?: (event: TrainEvent) => void;
  /**
   * Aborting stops training after the current step: the promise rejects with an AbortError (an MtrankError named
   * 'AbortError'), the lock is released, and the directory keeps that step's checkpoint (`resume: true` continues
   * it); metrics.json is not written and run.json has no finishedAt, so the run reads as unfinished.
   */
  signal?: AbortSignal;
}

/** A trained run: its directory, resolved config, best model and metrics. */
export class Run {
  private constructor(private readonly saved: SavedRun) {}

  /** @internal */
  static of(saved: SavedRun): Run {
    return new Run(saved);
  }

  get dir(): string {
    return this.saved.dir;
  }

  /** The resolved config (defaults filled in, paths absolute). */
  get config(): ExperimentConfig {
    return this.saved.config;
  }

  get tasks(): string[] {
    return this.saved.model.tasks;
  }

  /** metrics.json: per-task test AUC/logloss/GAUC, best steps, throughput, peak RSS (and the cold-start breakdown). */
  get metrics(): RunMetricsJson {
    const path = runPaths(this.dir).metrics;
    if (!existsSync(path)) throw new MtrankError(`${path}: no metrics (the run did not finish)`);
    return JSON.parse(readFileSync(path, 'utf8')) as RunMetricsJson;
  }

  /**
   * Scores raw rows (column → value, as in the training data; labels not needed) with the run's preprocessing
   * and best model: per-task probabilities, and the fused score when the run has a fusion.json.
   */
  predict(rows: Record<string, unknown>[]): RowScores {
    return scoreRecords(this.saved, rows, 'rows');
  }

  /**
   * Searches output weights on the run's validation predictions (estimate on test) and saves them as
   * fusion.json, so `predict` adds the fused score. Options and defaults as in `fuse`.
   */
  async fuse(options: FuseOptions = {}): Promise<FusionResult> {
    const o = { ...FUSE_DEFAULTS, ...options };
    // parseObjective reads its own label form, e.g. 'auc(order)'
    const objective = typeof o.objective === 'object' ? objectiveLabel(o.objective) : o.objective;
    return runFuseCommand({
      run: this.dir,
      split: 'valid',
      ...DEFAULT_FUSE_COLUMNS,
      objective,
      search: o.search,
      form: o.form,
      step: o.step,
      refine: o.refine,
      samples: o.samples,
      constraint: [...o.constraints],
      threads: o.threads,
      seed: o.seed,
      onProgress: o.onProgress,
    });
  }

  /** The best model's metrics on a split of the run's data (default test), read again through the data cache. */
  evaluate(split: SplitName = 'test'): Promise<RunEvaluation> {
    return evaluateRunSplit(this.dir, split);
  }
}

/** Train a config object or a YAML/JSON file into `options.out` and return the finished run. */
export async function train(config: ExperimentConfigInput | string, options: TrainOptions): Promise<Run> {
  if (!options?.out) throw new MtrankError('train: options.out (the run directory) is required');
  const emit = options.onProgress ?? (() => {});
  const summary = await runTraining({
    config,
    out: options.out,
    seed: options.seed,
    set: options.set,
    resume: options.resume,
    quiet: 'silent',
    onMessage: (message) => emit({ type: 'message', message }),
    progress: eventProgress(emit),
    signal: options.signal,
  });
  return Run.of(loadSavedRun(summary.dir));
}

/** Open a finished run directory (written by `train` or `mtrank train`). */
export function loadRun(dir: string): Run {
  return Run.of(loadSavedRun(dir));
}

function eventProgress(emit: (e: TrainEvent) => void): TrainProgress {
  return {
    start: (totalSteps, startStep) => emit({ type: 'start', totalSteps, startStep }),
    step: (step, loss) => emit(Number.isFinite(loss) ? { type: 'step', step, loss } : { type: 'step', step }),
    eval: (step, auc) => emit({ type: 'eval', step, auc }),
    message: (message) => emit({ type: 'message', message }),
    stop: () => {},
  };
}
