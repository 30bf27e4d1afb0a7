import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeTable, type OutputColumn } from '../data/write-table.js';
import { LOCK_FILE } from './run-lock.js';

/** Where everything of a run lives (docs/architecture.md, "Run directory"). */
export function runPaths(dir: string) {
  return {
    dir,
    config: join(dir, 'config.json'),
    preprocess: join(dir, 'preprocess.json'),
    /** The best checkpoint overall (by the early-stopping monitor): what evaluate/predict/export load. */
    model: join(dir, 'model'),
    /** The latest periodic checkpoint, with optimizer and trainer state: what `--resume` continues from. */
    last: join(dir, 'checkpoints', 'last'),
    metricsLog: join(dir, 'metrics.jsonl'),
    metrics: join(dir, 'metrics.json'),
    predictions: (split: string) => join(dir, 'predictions', `${split}.csv`),
    fusion: join(dir, 'fusion.json'),
    report: join(dir, 'report.html'),
    /** Provenance and data binding (src/training/run-record.ts). */
    record: join(dir, 'run.json'),
    lock: join(dir, LOCK_FILE),
  };
}

/** What a run writes into its directory (besides the lock); `--overwrite` removes exactly these. */
export const RUN_ARTIFACTS = [
  'config.json',
  'preprocess.json',
  'run.json',
  'model',
  'checkpoints',
  'metrics.jsonl',
  'metrics.json',
  'predictions',
  'fusion.json',
  'report.html',
  'charts',
] as const;

/** The run artifacts present in `dir` (a fresh `train` there is refused unless `--overwrite`). */
export function existingRunArtifacts(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const names = new Set(readdirSync(dir));
  return RUN_ARTIFACTS.filter((n) => names.has(n));
}

/** Remove a previous run's artifacts (not other files a user keeps there, e.g. the demo's data/). */
export function clearRunArtifacts(dir: string): void {
  for (const n of RUN_ARTIFACTS) rmSync(join(dir, n), { recursive: true, force: true });
}

export interface PredictionColumns {
  tasks: string[];
  scores: Float32Array[];
  labels?: Uint8Array[];
  group?: Int32Array;
  /** 1 when the row's item was seen in training (for the cold-start report). */
  itemSeen?: Uint8Array;
}

/** predictions/<split>.csv: p_<task>..., y_<task>..., group, item_seen (docs/architecture.md, "Predictions file"). */
export async function writePredictions(path: string, c: PredictionColumns): Promise<void> {
  const columns: OutputColumn[] = c.tasks.map((t, k) => ({ name: `p_${t}`, type: 'float', values: c.scores[k]! }));
  if (c.labels) c.tasks.forEach((t, k) => columns.push({ name: `y_${t}`, type: 'int', values: c.labels![k]! }));
  if (c.group) columns.push({ name: 'group', type: 'int', values: c.group });
  if (c.itemSeen) columns.push({ name: 'item_seen', type: 'int', values: c.itemSeen });
  mkdirSync(dirname(path), { recursive: true });
  await writeTable(path, columns, c.scores[0]?.length ?? 0);
}
