// Human-readable summaries of a run for the CLI.
import { prepareTrainingData } from '../data/prepare.js';
import { isStreamed } from '../training/batches.js';
import type { EncodedSplit, SplitName } from '../data/types.js';
import { MtrankError, withErrorKind } from '../util/errors.js';
import { evaluateSplit, type SplitMetrics } from '../training/evaluation.js';
import type { RunSummary } from '../training/run.js';
import { loadSavedRun, unfinishedNote } from '../training/saved-run.js';
import { describeDataChange, fingerprintSources } from '../training/run-record.js';
import { dataSourcePaths } from '../data/prepare.js';
import { runColdStart } from '../pretrain/pipeline.js';
import type { ColdStartBreakdown } from '../pretrain/cold-start.js';
import { coldStartColumns, coldStartFromJson, type ColdStartRow } from '../report/cold-start.js';

const f4 = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(4);

export function metricsTable(m: SplitMetrics, extra: Record<string, Record<string, string | number>> = {}): string {
  const tasks = Object.keys(m);
  const extraCols = Object.keys(extra);
  const head = ['task', 'auc', 'gauc', 'logloss', 'meanPred', 'labelRate', ...extraCols];
  const rows = tasks.map((t) => [
    t,
    f4(m[t]!.auc),
    f4(m[t]!.gauc),
    f4(m[t]!.logloss),
    f4(m[t]!.meanPred),
    f4(m[t]!.labelRate),
    ...extraCols.map((c) => String(extra[c]![t] ?? '')),
  ]);
  return textTable(head, rows);
}

/**
 * The run line and the test table; `oracle` (per task, e.g. the synthetic funnel's AUC of the true
 * probabilities on the test days) becomes a column beside the model's AUC.
 */
export function formatTestTable(r: RunSummary, oracle?: Record<string, number | null>): string {
  const lw = Object.fromEntries(Object.entries(r.result.labelWeights).map(([t, w]) => [t, +w.toPrecision(4)]));
  const lines = [
    `run: ${r.dir}  steps: ${r.result.steps}/${r.result.totalSteps}${r.result.stoppedEarly ? ' (early stop)' : ''}  best step: ${r.result.bestStep}` +
      `  train: ${r.metrics.trainExamplesPerSec} examples/s  peak RSS: ${r.metrics.peakRssMb} MB` +
      (r.result.skippedBatches ? `  skipped batches: ${r.result.skippedBatches}` : ''),
  ];
  const extra: Record<string, Record<string, string | number>> = {};
  if (oracle) extra.oracle = Object.fromEntries(Object.keys(r.test ?? {}).map((t) => [t, f4(oracle[t])]));
  if (r.test) {
    lines.push(
      `test split, the weights of the best step (${r.result.bestStep}); bestStep: each task's own best on valid`,
    );
    lines.push(metricsTable(r.test, { ...extra, labelWeight: lw, bestStep: r.metrics.bestStep }));
  } else lines.push('(no test split: metrics.json holds no test metrics)');
  return lines.join('\n');
}

export interface RunEvaluation {
  split: SplitName;
  rows: number;
  tasks: SplitMetrics;
  /**
   * AUC per task on the split's rows whose item was seen in training vs not (and unseen with a pretrained vector);
   * the shape of metrics.json `coldStart`. Only for valid/test of a run with an item feature.
   */
  coldStart?: ColdStartBreakdown;
}

/** The run's best model on a split of its (cached) data, with the cold-start breakdown when there is an item feature. */
export async function evaluateRunSplit(
  dir: string,
  split: string,
  say: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<RunEvaluation> {
  if (!['train', 'valid', 'test'].includes(split))
    throw new MtrankError(`--split: expected train, valid or test, got '${split}'`);
  const run = loadSavedRun(dir);
  const note = unfinishedNote(run);
  if (note) say(note);
  if (run.record) {
    const now = fingerprintSources(await withErrorKind('data', () => dataSourcePaths(run.config)));
    const change = describeDataChange(run.record.data.sources, now);
    if (change) say(`note: the data changed since training (${change}); encoding it with the run's preprocess.json`);
  }
  // Always the run's own encoders: re-fitting on changed data would feed the model a different vocabulary.
  // A training split above data.memoryLimitMb is streamed as in training: only its item ids are read (cold start).
  const data = await withErrorKind('data', () => prepareTrainingData(run.config, { fitted: run.preprocessor.json }));
  const pick = (): EncodedSplit => {
    if (split === 'valid') return data.valid;
    if (split === 'test') return data.test;
    if (!isStreamed(data.train)) return data.train;
    throw new MtrankError(
      `${dir}: the training split is above data.memoryLimitMb = ${run.config.data.memoryLimitMb} (training streamed it); evaluate valid or test`,
    );
  };
  const s = pick();
  if (s.rows === 0) throw new MtrankError(`${dir}: the ${split} split has no rows`);
  const { metrics, probs } = evaluateSplit(run.model, s, undefined, split);
  // On the training split every item is seen: no breakdown.
  const coldStart =
    split === 'train'
      ? undefined
      : runColdStart(
          data.preprocessor,
          data.train,
          s,
          Object.fromEntries(run.model.tasks.map((t, k) => [t, probs[k]!])),
        );
  return { split: split as SplitName, rows: s.rows, tasks: metrics, ...(coldStart ? { coldStart } : {}) };
}

/** `mtrank evaluate`: the metrics table (and the cold-start table), or the RunEvaluation as JSON. */
export async function evaluateRun(dir: string, split: string, json: boolean): Promise<string> {
  const e = await evaluateRunSplit(dir, split);
  if (json) return JSON.stringify(e);
  const lines = [`${e.split} (${e.rows} rows)`, metricsTable(e.tasks)];
  const cold = e.coldStart ? coldStartFromJson(e.coldStart, Object.keys(e.tasks)) : undefined;
  if (cold)
    lines.push(
      '',
      `cold start: ${e.split} AUC by whether the row's item occurs in the training rows`,
      coldStartText(cold),
    );
  return lines.join('\n');
}

function coldStartText(rows: ColdStartRow[]): string {
  const cols = coldStartColumns(rows);
  const cell = (kind: 'auc' | 'rows', v: number | undefined) =>
    kind === 'auc' ? f4(v) : v === undefined || !Number.isFinite(v) ? '–' : String(v);
  return textTable(
    ['task', ...cols.map((c) => c.head)],
    rows.map((r) => [r.task, ...cols.map((c) => cell(c.kind, c.value(r)))]),
  );
}

function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  return [head, ...rows].map((r) => r.map((c, k) => c.padEnd(widths[k]!)).join('  ')).join('\n');
}
