// `mtrank train` as a function: config → encoded data → trained model → a complete run directory.
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { loadConfig, parseConfig, type ExperimentConfig, type ExperimentConfigInput } from '../config/index.js';
import { prepareData, type PreparedData } from '../data/index.js';
import type { EncodedSplit } from '../data/types.js';
import type { MultiTaskModel } from '../models/model.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { describeSkippedRows } from '../data/inspect.js';
import { MtrankError } from '../util/errors.js';
import { train, type TrainResult } from './trainer.js';
import { evaluateSplit, type SplitMetrics } from './evaluation.js';
import { MetricsLog } from './metrics-log.js';
import { runPaths, writePredictions } from './run-dir.js';
import { barProgress, logProgress, silentProgress, type TrainProgress } from './progress.js';
import { runColdStart } from '../pretrain/pipeline.js';
import { itemSeenFlags, type ColdStartBreakdown } from '../pretrain/cold-start.js';

export interface RunOptions {
  /** A config file (YAML/JSON), or a config object (relative paths resolve against the working directory). */
  config: string | ExperimentConfigInput;
  /** Run directory (default runs/<config name or file name>). */
  out?: string;
  resume?: boolean;
  seed?: number;
  /** `--set key=value` overrides. */
  set?: string[];
  /** Plain log lines instead of a live progress bar; 'silent' prints nothing. */
  quiet?: boolean | 'silent';
  /** Replaces the progress display chosen by `quiet`. */
  progress?: TrainProgress;
  /** Data-preparation messages (default: stderr unless quiet is 'silent'). */
  onMessage?: (message: string) => void;
  /** Aborting stops training after the current step (the last checkpoint allows --resume). */
  signal?: AbortSignal;
}

export interface RunSummary {
  dir: string;
  config: ExperimentConfig;
  result: TrainResult;
  test: SplitMetrics | null;
  metrics: RunMetricsJson;
}

/** metrics.json, as docs/architecture.md specifies. */
export interface RunMetricsJson {
  test: Record<string, { auc: number | null; logloss: number | null; gauc: number | null }>;
  bestStep: Record<string, number>;
  trainExamplesPerSec: number;
  peakRssMb: number;
  /** Test AUC on rows whose item was / was not seen in training (when there is an item feature; src/pretrain). */
  coldStart?: ColdStartBreakdown;
}

export function defaultRunDir(configPath: string | undefined, config: ExperimentConfig): string {
  return join('runs', config.name ?? (configPath ? basename(configPath, extname(configPath)) : 'run'));
}

export function progressFor(quiet: RunOptions['quiet']): TrainProgress {
  if (quiet === 'silent') return silentProgress;
  return quiet || !process.stderr.isTTY ? logProgress() : barProgress();
}

export async function runTraining(o: RunOptions): Promise<RunSummary> {
  const overrides = [...(o.set ?? []), ...(o.seed !== undefined ? [`seed=${o.seed}`] : [])];
  const configPath = typeof o.config === 'string' ? o.config : undefined;
  const config = configPath ? loadConfig(configPath, overrides) : parseConfig(o.config, overrides);
  const dir = o.out ?? defaultRunDir(configPath, config);
  const paths = runPaths(dir);
  if (o.resume) {
    if (!existsSync(paths.config))
      throw new MtrankError(`${dir}: nothing to resume (no config.json; start without --resume)`);
    const saved = readFileSync(paths.config, 'utf8');
    if (saved !== configJson(config))
      throw new MtrankError(
        `${paths.config}: the resolved config differs from the one this run started with; --resume needs the same config, --seed and --set values`,
      );
  }
  const say = o.onMessage ?? (o.quiet === 'silent' ? () => {} : (m: string) => process.stderr.write(`${m}\n`));
  if (o.signal?.aborted) throw new MtrankError('training aborted before it started');
  const data = await prepareData(config, {
    onProgress: (e) => {
      if (e.stage !== 'encode') say(e.message);
    },
  });
  if (data.report.badRows.skipped > 0) say(describeSkippedRows(data.report.badRows));
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(paths.config, configJson(config));
  data.preprocessor.save(paths.preprocess);
  say(
    `training ${config.model.type} on ${data.train.rows} rows (valid ${data.valid.rows}, test ${data.test.rows}) into ${dir}`,
  );
  const result = await train({
    config,
    data,
    dir,
    resume: o.resume,
    progress: o.progress ?? progressFor(o.quiet),
    signal: o.signal,
    preprocessor: data.preprocessor,
  });
  return finishRun(dir, config, data, result);
}

/** Test metrics, predictions for valid and test, metrics.json, the test line of the log. */
export function finishRun(
  dir: string,
  config: ExperimentConfig,
  data: Pick<PreparedData, 'train' | 'valid' | 'test' | 'preprocessor'>,
  result: TrainResult,
): RunSummary {
  const paths = runPaths(dir);
  const { model } = result;
  writeSplitPredictions(paths.predictions('valid'), model, data.valid, data.train);
  let test: SplitMetrics | null = null;
  let coldStart: ColdStartBreakdown | undefined;
  if (data.test.rows > 0) {
    const r = evaluateSplit(model, data.test, undefined, 'test');
    test = r.metrics;
    writePredictions(paths.predictions('test'), predictionColumns(model, data.test, r.probs, data.train));
    coldStart = runColdStart(
      data.preprocessor,
      data.train,
      data.test,
      Object.fromEntries(model.tasks.map((t, k) => [t, r.probs[k]!])),
    );
    new MetricsLog(paths.metricsLog).write({
      type: 'test',
      step: result.steps,
      tasks: test,
      ...(coldStart ? { coldStart } : {}),
    });
  }
  const metrics: RunMetricsJson = {
    test: Object.fromEntries(
      model.tasks.map((t) => [
        t,
        { auc: nul(test?.[t]?.auc), logloss: nul(test?.[t]?.logloss), gauc: nul(test?.[t]?.gauc) },
      ]),
    ),
    bestStep: Object.fromEntries(model.tasks.map((t) => [t, result.taskBest[t]?.step ?? result.bestStep])),
    trainExamplesPerSec: Math.round(result.trainExamplesPerSec),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(coldStart ? { coldStart } : {}),
  };
  writeFileAtomic(paths.metrics, JSON.stringify(metrics, null, 2) + '\n');
  return { dir, config, result, test, metrics };
}

function writeSplitPredictions(path: string, model: MultiTaskModel, split: EncodedSplit, train: EncodedSplit): void {
  if (split.rows === 0) return;
  writePredictions(path, predictionColumns(model, split, evaluateSplit(model, split).probs, train));
}

function predictionColumns(model: MultiTaskModel, split: EncodedSplit, probs: Float32Array[], train: EncodedSplit) {
  return {
    tasks: model.tasks,
    scores: probs,
    labels: model.tasks.map((t) => split.labels[t]!),
    group: split.group,
    // seen = the item occurs among the training rows (not merely in the vocabulary, which pretrained vectors may extend)
    itemSeen: split.item && train.item ? itemSeenFlags(train.item, split.item) : undefined,
  };
}

const configJson = (c: ExperimentConfig) => JSON.stringify(c, null, 2) + '\n';
const nul = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : x);
