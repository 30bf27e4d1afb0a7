import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

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
  };
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
export function predictionsCsv(c: PredictionColumns): string {
  const head = [...c.tasks.map((t) => `p_${t}`), ...(c.labels ? c.tasks.map((t) => `y_${t}`) : [])];
  if (c.group) head.push('group');
  if (c.itemSeen) head.push('item_seen');
  const rows = c.scores[0]?.length ?? 0;
  const lines = [head.join(',')];
  for (let i = 0; i < rows; i++) {
    const cells: (string | number)[] = c.scores.map((s) => formatScore(s[i]!));
    if (c.labels) for (const y of c.labels) cells.push(y[i]!);
    if (c.group) cells.push(c.group[i]!);
    if (c.itemSeen) cells.push(c.itemSeen[i]!);
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

export function writePredictions(path: string, c: PredictionColumns): void {
  writeFileAtomic(path, predictionsCsv(c));
}

// float32 has ~7 significant digits; more would only bloat the file.
function formatScore(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(7))) : 'NaN';
}
