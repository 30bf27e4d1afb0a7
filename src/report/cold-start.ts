/**
 * Cold-start breakdown: test AUC per task on rows whose item was seen in training vs rows whose item was
 * not, and — when the item vocabulary was extended from a pretrained vector file — the unseen rows whose item
 * has a pretrained vector (`unseenPretrained`) and those whose item has none (`unseenNew`). Taken from metrics.json `coldStart` when the trainer wrote one,
 * else computed (with the same src/pretrain breakdown) from predictions/test.csv when it has an `item_seen` column.
 */
import { existsSync, readFileSync } from 'node:fs';
import { coldStartBreakdown } from '../pretrain/cold-start.js';
import { MtrankError, placeMessage } from '../util/errors.js';

export interface SliceMetrics {
  rows: number;
  auc?: number;
  labelRate?: number;
}
export interface ColdStartRow {
  task: string;
  seen: SliceMetrics;
  unseen: SliceMetrics;
  unseenPretrained?: SliceMetrics;
  /** Unseen rows whose item has no pretrained vector either (truly new IDs). */
  unseenNew?: SliceMetrics;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function slice(v: unknown): SliceMetrics | undefined {
  if (!isObj(v)) return undefined;
  const n = (k: string) => (typeof v[k] === 'number' ? (v[k] as number) : undefined);
  return { rows: n('rows') ?? n('count') ?? NaN, auc: n('auc'), labelRate: n('labelRate') };
}

export interface ColdStartColumn {
  head: string;
  kind: 'auc' | 'rows';
  value: (r: ColdStartRow) => number | undefined;
}

/** The table's columns: AUC on seen / unseen items (and unseen items with a pretrained vector, when present), their difference, row counts, the unseen rows' positives. */
export function coldStartColumns(rows: ColdStartRow[]): ColdStartColumn[] {
  const pre = rows.some((r) => r.unseenPretrained);
  const col = (head: string, kind: 'auc' | 'rows', value: ColdStartColumn['value']): ColdStartColumn => ({
    head,
    kind,
    value,
  });
  return [
    col('AUC seen items', 'auc', (r) => r.seen.auc),
    col('AUC unseen items', 'auc', (r) => r.unseen.auc),
    ...(pre
      ? [
          col('AUC unseen, pretrained', 'auc', (r) => r.unseenPretrained?.auc),
          col('AUC unseen, new', 'auc', (r) => r.unseenNew?.auc),
        ]
      : []),
    col('difference', 'auc', (r) =>
      r.seen.auc !== undefined && r.unseen.auc !== undefined ? r.unseen.auc - r.seen.auc : undefined,
    ),
    col('rows seen', 'rows', (r) => r.seen.rows),
    col('rows unseen', 'rows', (r) => r.unseen.rows),
    ...(pre
      ? [
          col('rows unseen, pretrained', 'rows', (r) => r.unseenPretrained?.rows),
          col('rows unseen, new', 'rows', (r) => r.unseenNew?.rows),
        ]
      : []),
    // An unseen-item AUC often rests on a handful of positives: show how many, so a wild figure reads as noise.
    col('positives unseen', 'rows', (r) =>
      r.unseen.labelRate === undefined ? undefined : Math.round(r.unseen.labelRate * r.unseen.rows),
    ),
  ];
}

/** metrics.json `coldStart` (src/pretrain coldStartBreakdown: `{ <task>: { seen: {rows, auc}, unseen: {rows, auc}, unseenPretrained?: {rows, auc} } }`) → rows in task order. */
export function coldStartFromJson(json: unknown, tasks: string[]): ColdStartRow[] | undefined {
  if (!isObj(json)) return undefined;
  const rows: ColdStartRow[] = [];
  for (const task of tasks) {
    const t = json[task];
    const seen = isObj(t) ? slice(t.seen) : undefined,
      unseen = isObj(t) ? slice(t.unseen) : undefined;
    const unseenPretrained = isObj(t) ? slice(t.unseenPretrained) : undefined,
      unseenNew = isObj(t) ? slice(t.unseenNew) : undefined;
    if (seen && unseen)
      rows.push({
        task,
        seen,
        unseen,
        ...(unseenPretrained ? { unseenPretrained } : {}),
        ...(unseenNew ? { unseenNew } : {}),
      });
  }
  return rows.length ? rows : undefined;
}

/** Reads predictions/<split>.csv columns (p_<task>, y_<task>, item_seen) and splits AUC by item_seen. */
export function coldStartFromPredictions(path: string, tasks: string[]): ColdStartRow[] | undefined {
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length);
  const head = lines[0]?.split(',') ?? [];
  const seenCol = head.indexOf('item_seen');
  const present = tasks.filter((t) => head.includes(`p_${t}`) && head.includes(`y_${t}`));
  if (seenCol < 0 || !present.length) return undefined;
  const n = lines.length - 1;
  const binary = (cell: string | undefined, line: number, column: string): number => {
    if (cell !== '0' && cell !== '1')
      throw new MtrankError(placeMessage({ file: path, line, column }, `expected 0 or 1, got '${cell}'`));
    return cell === '1' ? 1 : 0;
  };
  const itemSeen = new Uint8Array(n);
  const scores: Record<string, Float64Array> = {},
    labels: Record<string, Uint8Array> = {};
  for (const t of present) {
    scores[t] = new Float64Array(n);
    labels[t] = new Uint8Array(n);
  }
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1].split(',');
    itemSeen[r] = binary(cells[seenCol], r + 2, 'item_seen');
    for (const t of present) {
      const p = Number(cells[head.indexOf(`p_${t}`)]);
      if (!Number.isFinite(p))
        throw new MtrankError(
          placeMessage(
            { file: path, line: r + 2, column: `p_${t}` },
            `not a finite score: '${cells[head.indexOf(`p_${t}`)]}'`,
          ),
        );
      scores[t][r] = p;
      labels[t][r] = binary(cells[head.indexOf(`y_${t}`)], r + 2, `y_${t}`);
    }
  }
  return coldStartFromJson(coldStartBreakdown({ scores, labels, itemSeen }), present);
}
