/**
 * Reads a run directory (docs/architecture.md, "Metrics log" and "Run directory") into one typed object
 * for the reports. Lenient about what is absent (a run still training has no metrics.json, fusion may not
 * have run), strict about what is malformed: a bad line in metrics.jsonl is an error naming file and line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { loadCalibration, type CalibrationFile } from '../fusion/calibration.js';
import { MtrankError, placeMessage } from '../util/errors.js';

const num = z.number().nullable().optional();
const TaskMetrics = z.looseObject({ auc: num, logloss: num, gauc: num, meanPred: num, labelRate: num });
export type TaskMetrics = z.infer<typeof TaskMetrics>;
const ByTask = <T extends z.ZodType>(t: T) => z.record(z.string(), t);

const TrainRecord = z.looseObject({
  type: z.literal('train'),
  step: z.number(),
  epoch: z.number().optional(),
  loss: num,
  taskLoss: ByTask(z.number().nullable()).optional(),
  lr: num,
});
const EvalRecord = z.looseObject({
  type: z.literal('eval'),
  step: z.number(),
  split: z.string(),
  tasks: ByTask(TaskMetrics),
  lossWeights: ByTask(z.number()).optional(),
});
const BestRecord = z.looseObject({ type: z.literal('best'), task: z.string(), step: z.number(), auc: num });
const TestRecord = z.looseObject({ type: z.literal('test'), tasks: ByTask(TaskMetrics) });
const LabelWeightsRecord = z.looseObject({ type: z.literal('labelWeights'), weights: ByTask(z.number()) });
const RunMetrics = z.looseObject({
  test: ByTask(TaskMetrics).optional(),
  bestStep: ByTask(z.number()).optional(),
  trainExamplesPerSec: num,
  peakRssMb: num,
  coldStart: z.unknown().optional(),
});

export type TrainRecord = z.infer<typeof TrainRecord>;
export type EvalRecord = z.infer<typeof EvalRecord>;
export type BestRecord = z.infer<typeof BestRecord>;
export type RunMetrics = z.infer<typeof RunMetrics>;

export interface RunData {
  dir: string;
  name: string;
  config: Record<string, unknown>;
  tasks: string[];
  train: TrainRecord[];
  evals: EvalRecord[];
  best: BestRecord[];
  labelWeights?: Record<string, number>;
  /** Final test metrics: metrics.json's test merged with the log's test line (which may carry calibration). */
  test?: Record<string, TaskMetrics>;
  metrics?: RunMetrics;
  /** fusion.json as written by `mtrank fuse --run`, unvalidated (see fusion-view.ts). */
  fusion?: unknown;
  /** calibration.json as written by `mtrank calibrate`, validated. */
  calibration?: CalibrationFile;
  /** metrics.json `coldStart` or coldstart.json, unvalidated (see run-report.ts). */
  coldStart?: unknown;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new MtrankError(placeMessage({ file: path }, `not valid JSON (${(e as Error).message})`));
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: { file: string; line?: number }): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const at = issue.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new MtrankError(placeMessage(where, `unexpected content${at}: ${issue.message}`));
}

export interface MetricsLog {
  config?: Record<string, unknown>;
  labelWeights?: Record<string, number>;
  train: TrainRecord[];
  evals: EvalRecord[];
  best: BestRecord[];
  test?: Record<string, z.infer<typeof TaskMetrics>>;
}

/** Parses metrics.jsonl text. Lines of unknown type are skipped so that newer trainers stay readable. */
export function parseMetricsLog(text: string, file: string): MetricsLog {
  const log: MetricsLog = { train: [], evals: [], best: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const where = { file, line: i + 1 };
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      // A run killed mid-write leaves a truncated last line: ignore that one, reject any other.
      if (i >= lines.length - 2 && !text.endsWith('\n')) break;
      throw new MtrankError(placeMessage(where, `not valid JSON (${(e as Error).message})`));
    }
    const type = (rec as { type?: unknown } | null)?.type;
    switch (type) {
      case 'config': {
        const { type: _, ...config } = rec as Record<string, unknown>;
        log.config = config;
        break;
      }
      case 'labelWeights':
        log.labelWeights = parseOrThrow(LabelWeightsRecord, rec, where).weights;
        break;
      case 'train':
        log.train.push(parseOrThrow(TrainRecord, rec, where));
        break;
      case 'eval':
        log.evals.push(parseOrThrow(EvalRecord, rec, where));
        break;
      case 'best':
        log.best.push(parseOrThrow(BestRecord, rec, where));
        break;
      case 'test':
        log.test = parseOrThrow(TestRecord, rec, where).tasks;
        break;
      default:
        if (typeof type !== 'string')
          throw new MtrankError(placeMessage(where, 'a metrics record needs a string "type"'));
    }
  }
  return log;
}

/** Task names in config order (tasks are a map keyed by name), else as first seen in the log. */
function taskNames(config: Record<string, unknown>, log: MetricsLog, metrics?: RunMetrics): string[] {
  const tasks = config.tasks;
  if (tasks && typeof tasks === 'object' && !Array.isArray(tasks)) return Object.keys(tasks);
  const seen = new Set<string>();
  for (const e of log.evals) for (const t of Object.keys(e.tasks)) seen.add(t);
  for (const t of Object.keys(metrics?.test ?? {})) seen.add(t);
  return [...seen];
}

export function isRunDir(dir: string): boolean {
  return existsSync(join(dir, 'metrics.jsonl')) || existsSync(join(dir, 'metrics.json'));
}

export function readRun(dirArg: string): RunData {
  const dir = resolve(dirArg);
  if (!existsSync(dir)) throw new MtrankError(`${dirArg}: no such run directory`);
  if (!isRunDir(dir)) throw new MtrankError(`${dirArg}: not a run directory (no metrics.jsonl or metrics.json)`);

  const logPath = join(dir, 'metrics.jsonl');
  const log = existsSync(logPath)
    ? parseMetricsLog(readFileSync(logPath, 'utf8'), logPath)
    : ({ train: [], evals: [], best: [] } as MetricsLog);
  const metricsPath = join(dir, 'metrics.json');
  const metrics = existsSync(metricsPath)
    ? parseOrThrow(RunMetrics, readJson(metricsPath), { file: metricsPath })
    : undefined;
  const configPath = join(dir, 'config.json');
  const config = existsSync(configPath) ? (readJson(configPath) as Record<string, unknown>) : (log.config ?? {});

  let test: Record<string, TaskMetrics> | undefined;
  if (metrics?.test || log.test) {
    test = {};
    for (const t of new Set([...Object.keys(log.test ?? {}), ...Object.keys(metrics?.test ?? {})])) {
      test[t] = { ...log.test?.[t], ...metrics?.test?.[t] };
    }
  }
  const fusionPath = join(dir, 'fusion.json');
  const coldPath = join(dir, 'coldstart.json');
  return {
    dir,
    name: basename(dir),
    config,
    tasks: taskNames(config, log, metrics),
    train: log.train,
    evals: log.evals,
    best: log.best,
    labelWeights: log.labelWeights,
    test,
    metrics,
    fusion: existsSync(fusionPath) ? readJson(fusionPath) : undefined,
    calibration: loadCalibration(join(dir, 'calibration.json')) ?? undefined,
    coldStart: metrics?.coldStart ?? (existsSync(coldPath) ? readJson(coldPath) : undefined),
  };
}

/**
 * Each task's best validation step: metrics.json's bestStep when the run finished, else the last `best`
 * record, else the step of the highest validation AUC seen so far.
 */
export function bestSteps(run: RunData): Record<string, number> {
  const out: Record<string, number> = {};
  for (const task of run.tasks) {
    const fromMetrics = run.metrics?.bestStep?.[task];
    if (fromMetrics !== undefined) {
      out[task] = fromMetrics;
      continue;
    }
    const records = run.best.filter((b) => b.task === task);
    if (records.length) {
      out[task] = records[records.length - 1].step;
      continue;
    }
    let bestAuc = -Infinity;
    for (const e of run.evals) {
      const auc = e.split === 'valid' ? e.tasks[task]?.auc : undefined;
      if (typeof auc === 'number' && auc > bestAuc) {
        bestAuc = auc;
        out[task] = e.step;
      }
    }
  }
  return out;
}

/** A run is finished when metrics.json exists and holds test metrics (what sweeps use to skip runs). */
export function isCompleteRun(dir: string): boolean {
  const path = join(dir, 'metrics.json');
  if (!existsSync(path)) return false;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8'));
    return Boolean(m && typeof m.test === 'object' && m.test && Object.keys(m.test).length);
  } catch {
    return false;
  }
}
