// A small trained funnel run (categorical, multi-categorical, bucketized and numeric features; three tasks)
// with a fusion.json, for the serving tests. Trained once per test file in a few seconds.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFunnel } from '../../src/data/index.js';
import { runTraining } from '../../src/training/run.js';

export interface FixtureRun {
  root: string;
  /** The run directory (with fusion.json). */
  dir: string;
  /** Raw rows of the funnel's CSV (strings, as read from the file), for scoring. */
  csv: string;
}

export const FUSION = { form: 'linear', weights: { click: 0.2, cart: 0.3, order: 1 } };

export async function trainFixtureRun(opts: { fusion?: boolean; seed?: number } = {}): Promise<FixtureRun> {
  const root = mkdtempSync(join(tmpdir(), 'mtrank-serve-'));
  const funnel = await writeFunnel(join(root, 'data'), {
    rows: 3000,
    seed: opts.seed ?? 5,
    days: 6,
    clickRate: 0.2,
    cartRate: 0.05,
    orderRate: 0.02,
  });
  const dir = join(root, 'run');
  await runTraining({
    config: funnel.config,
    out: dir,
    quiet: 'silent',
    set: [
      'model.bottom=[16]',
      'model.tower=[8]',
      // label weights other than 1, so calibration (undoing them) has something to undo
      'tasks.cart.labelWeight=auto',
      'tasks.order.labelWeight=auto',
      'training.evalEvery=50',
      'training.batchSize=256',
      'training.threads=1',
      'data.cacheDir=' + join(root, 'cache'),
    ],
  });
  if (opts.fusion ?? true) writeFileSync(join(dir, 'fusion.json'), JSON.stringify(FUSION));
  return { root, dir, csv: funnel.csv };
}

/** The CSV's rows as objects of strings (what a JSON client might send, before typing). */
export function csvRows(path: string, limit: number): Record<string, string>[] {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const head = lines[0]!.split(',');
  return lines.slice(1, 1 + limit).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i]!, v])));
}

/** A CSV row as a JSON client sends it: numbers for numeric columns, null for empty cells. */
export function typedRow(row: Record<string, string>, numericColumns: Set<string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v === '' ? null : numericColumns.has(k) ? Number(v) : v]),
  );
}

export function numericColumns(p: { json: { features: { kind: string; column: string }[] } }): Set<string> {
  return new Set(p.json.features.filter((f) => f.kind === 'numeric' || f.kind === 'bucketize').map((f) => f.column));
}
