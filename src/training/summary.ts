// Human-readable summaries of a run for the CLI.
import { prepareData } from '../data/index.js';
import type { SplitName } from '../data/types.js';
import { MtrankError } from '../util/errors.js';
import { evaluateSplit, type SplitMetrics } from './evaluation.js';
import type { RunSummary } from './run.js';
import { loadRun } from './saved-run.js';

const f4 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(4));

export function metricsTable(m: SplitMetrics, extra: Record<string, Record<string, string | number>> = {}): string {
  const tasks = Object.keys(m);
  const extraCols = Object.keys(extra);
  const head = ['task', 'auc', 'gauc', 'logloss', 'meanPred', 'labelRate', ...extraCols];
  const rows = tasks.map((t) => [t, f4(m[t]!.auc), f4(m[t]!.gauc), f4(m[t]!.logloss), f4(m[t]!.meanPred), f4(m[t]!.labelRate), ...extraCols.map((c) => String(extra[c]![t] ?? ''))]);
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  return [head, ...rows].map((r) => r.map((c, k) => c.padEnd(widths[k]!)).join('  ')).join('\n');
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
  if (r.test) lines.push(metricsTable(r.test, { ...extra, labelWeight: lw, bestStep: r.metrics.bestStep }));
  else lines.push('(no test split: metrics.json holds no test metrics)');
  return lines.join('\n');
}

/** `mtrank evaluate`: the run's best model on a split of its (cached) data. */
export async function evaluateRun(dir: string, split: string, json: boolean): Promise<string> {
  if (!['train', 'valid', 'test'].includes(split)) throw new MtrankError(`--split: expected train, valid or test, got '${split}'`);
  const run = loadRun(dir);
  const data = await prepareData(run.config);
  const s = data[split as SplitName];
  if (s.rows === 0) throw new MtrankError(`${dir}: the ${split} split has no rows`);
  const { metrics } = evaluateSplit(run.model, s, undefined, split);
  return json ? JSON.stringify({ split, rows: s.rows, tasks: metrics }) : `${split} (${s.rows} rows)\n${metricsTable(metrics)}`;
}
