// `mtrank train` as a function: config → encoded data → trained model → a complete run directory.
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { loadConfig, parseConfig, type ExperimentConfig, type ExperimentConfigInput } from '../config/index.js';
import { experimentConfig } from '../config/schema.js';
import { configWarnings } from '../config/sanity.js';
import { dataSourcePaths, prepareTrainingData, type TrainingData } from '../data/prepare.js';
import type { EncodedSplit } from '../data/types.js';
import type { MultiTaskModel } from '../models/model.js';
import { removeStaleTemps, writeFileAtomic } from '../util/atomic-write.js';
import { describeSkippedRows } from '../data/inspect.js';
import { abortError, MtrankError, withErrorKind } from '../util/errors.js';
import { describeConfigChange } from '../util/config-paths.js';
import { train, type TrainResult } from './trainer.js';
import { evaluateSplit, type SplitMetrics } from './evaluation.js';
import { MetricsLog } from './metrics-log.js';
import { clearRunArtifacts, existingRunArtifacts, runPaths, writePredictions } from './run-dir.js';
import { lockRunDir } from './run-lock.js';
import {
  describeDataChange,
  fingerprintArtifacts,
  fingerprintSources,
  newRunRecord,
  readRunRecord,
  writeRunRecord,
  type RunRecord,
  type SourceFingerprint,
} from './run-record.js';
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
  /** Replace the run already in `out` (its artifacts are removed first); without it a fresh train there is refused. */
  overwrite?: boolean;
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
  if (o.resume && o.overwrite)
    throw new MtrankError(
      '--resume and --overwrite contradict each other: --resume continues the run, --overwrite replaces it',
    );
  const overrides = [...(o.set ?? []), ...(o.seed !== undefined ? [`seed=${o.seed}`] : [])];
  const configPath = typeof o.config === 'string' ? o.config : undefined;
  const config = configPath ? loadConfig(configPath, overrides) : parseConfig(o.config, overrides);
  const dir = o.out ?? defaultRunDir(configPath, config);
  const lock = lockRunDir(dir, o.resume ? 'train --resume' : 'train');
  try {
    return await trainLocked(o, config, dir);
  } finally {
    lock.release();
  }
}

async function trainLocked(o: RunOptions, config: ExperimentConfig, dir: string): Promise<RunSummary> {
  const paths = runPaths(dir);
  const say = o.onMessage ?? (o.quiet === 'silent' ? () => {} : (m: string) => process.stderr.write(`${m}\n`));
  if (o.signal?.aborted) throw abortError('training aborted before it started', o.signal.reason);
  // Temp files of a writer killed mid-write (ours hold the lock now, so any left are stale).
  for (const d of [dir, paths.model, paths.last, join(dir, 'predictions')]) removeStaleTemps(d);
  for (const w of configWarnings(config)) say(w);
  const sources = fingerprintSources(await withErrorKind('data', () => dataSourcePaths(config)));
  let record = newRunRecord(config, sources);
  if (o.resume) record = checkResumable(dir, config, sources) ?? record;
  else {
    const existing = existingRunArtifacts(dir);
    if (existing.length > 0 && !o.overwrite)
      throw new MtrankError(
        `${dir}: already holds a run (${existing.join(', ')}); pass --overwrite to replace it, --resume to continue it, or choose another --out`,
      );
    clearRunArtifacts(dir);
  }
  const data = await withErrorKind('data', () =>
    prepareTrainingData(config, {
      onProgress: (e) => {
        if (e.stage !== 'encode') say(e.message);
      },
    }),
  );
  if (data.report.badRows.skipped > 0) say(describeSkippedRows(data.report.badRows));
  for (const [task, labels] of Object.entries(data.train.labels))
    if (data.train.rows > 0 && !labels.includes(1))
      say(
        `warning: task '${task}' has no positive label in the ${data.train.rows} training rows; it cannot learn anything`,
      );
  if (
    o.resume &&
    existsSync(paths.preprocess) &&
    readFileSync(paths.preprocess, 'utf8') !== JSON.stringify(data.preprocessor.json)
  )
    throw new MtrankError(
      `${paths.preprocess}: the encoders fitted now differ from the ones this run was trained with; --resume would pair the saved model with a new vocabulary. Train into a new --out instead`,
      undefined,
      'data',
    );
  writeFileAtomic(paths.config, configJson(config));
  data.preprocessor.save(paths.preprocess);
  const artifacts = fingerprintArtifacts(dir, ['config.json', 'preprocess.json']);
  writeRunRecord(paths.record, { ...record, artifacts, finishedAt: undefined });
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
  return await finishRun(dir, config, data, result);
}

/** For --resume: the same config and the same data as the run started with; returns its record. */
function checkResumable(dir: string, config: ExperimentConfig, sources: SourceFingerprint[]): RunRecord | null {
  const paths = runPaths(dir);
  if (!existsSync(paths.config))
    throw new MtrankError(`${dir}: nothing to resume (no config.json; start without --resume)`);
  const saved = readFileSync(paths.config, 'utf8');
  const now = configJson(config),
    savedNow = withCurrentDefaults(saved);
  if (saved !== now && savedNow !== now)
    throw new MtrankError(
      `${paths.config}: the resolved config differs from the one this run started with (${describeConfigChange(JSON.parse(savedNow ?? saved), JSON.parse(now))}); --resume needs the same config, --seed and --set values`,
    );
  const record = readRunRecord(paths.record);
  const change = record && describeDataChange(record.data.sources, sources);
  if (change)
    throw new MtrankError(
      `${dir}: cannot resume, the data changed since this run started (${change}); train into a new --out instead`,
      undefined,
      'data',
    );
  return record;
}

/** Test metrics, predictions for valid and test, metrics.json, the test line of the log. */
export async function finishRun(
  dir: string,
  config: ExperimentConfig,
  data: Pick<TrainingData, 'train' | 'valid' | 'test' | 'preprocessor'>,
  result: TrainResult,
): Promise<RunSummary> {
  const paths = runPaths(dir);
  const { model } = result;
  await writeSplitPredictions(paths.predictions('valid'), model, data.valid, data.train);
  let test: SplitMetrics | null = null;
  let coldStart: ColdStartBreakdown | undefined;
  if (data.test.rows > 0) {
    const r = evaluateSplit(model, data.test, undefined, 'test');
    test = r.metrics;
    await writePredictions(paths.predictions('test'), predictionColumns(model, data.test, r.probs, data.train));
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
  const record = readRunRecord(paths.record);
  if (record) writeRunRecord(paths.record, { ...record, finishedAt: new Date().toISOString() });
  return { dir, config, result, test, metrics };
}

async function writeSplitPredictions(
  path: string,
  model: MultiTaskModel,
  split: EncodedSplit,
  train: { item?: Int32Array },
): Promise<void> {
  if (split.rows === 0) return;
  await writePredictions(path, predictionColumns(model, split, evaluateSplit(model, split).probs, train));
}

function predictionColumns(
  model: MultiTaskModel,
  split: EncodedSplit,
  probs: Float32Array[],
  train: { item?: Int32Array },
) {
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

/** A saved resolved config with the defaults of options added since it was written (null when it no longer parses). */
function withCurrentDefaults(saved: string): string | null {
  const r = experimentConfig.safeParse(JSON.parse(saved));
  return r.success ? configJson(r.data) : null;
}
const nul = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : x);
