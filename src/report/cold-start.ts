/**
 * Cold-start breakdown: test AUC per task on rows whose item was seen in training vs rows whose item was
 * not. Taken from metrics.json `coldStart` when the trainer wrote one, else computed from
 * predictions/test.csv when it has an `item_seen` column.
 */
import { existsSync, readFileSync } from 'node:fs';
import { auc, hasBothClasses } from '../metrics/index.js';
import { MtrankError, placeMessage } from '../util/errors.js';

export interface SliceMetrics { rows: number; auc?: number; labelRate?: number }
export interface ColdStartRow { task: string; seen: SliceMetrics; unseen: SliceMetrics }

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function slice(v: unknown): SliceMetrics | undefined {
  if (!isObj(v)) return undefined;
  const n = (k: string) => (typeof v[k] === 'number' ? (v[k] as number) : undefined);
  return { rows: n('rows') ?? n('count') ?? NaN, auc: n('auc'), labelRate: n('labelRate') };
}

/** `{ <task>: { seen: {auc, rows}, unseen: {auc, rows} } }` → rows in task order. */
export function coldStartFromJson(json: unknown, tasks: string[]): ColdStartRow[] | undefined {
  if (!isObj(json)) return undefined;
  const rows: ColdStartRow[] = [];
  for (const task of tasks) {
    const t = json[task];
    const seen = isObj(t) ? slice(t.seen) : undefined, unseen = isObj(t) ? slice(t.unseen) : undefined;
    if (seen && unseen) rows.push({ task, seen, unseen });
  }
  return rows.length ? rows : undefined;
}

function sliceMetrics(scores: Float64Array, labels: Uint8Array): SliceMetrics {
  let pos = 0;
  for (const y of labels) pos += y;
  return { rows: labels.length, labelRate: labels.length ? pos / labels.length : undefined, auc: hasBothClasses(labels) ? auc(scores, labels) : undefined };
}

export function coldStartFromPredictions(path: string, tasks: string[]): ColdStartRow[] | undefined {
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length);
  const head = lines[0]?.split(',') ?? [];
  const seenCol = head.indexOf('item_seen');
  if (seenCol < 0) return undefined;
  const out: ColdStartRow[] = [];
  const seenFlag = new Uint8Array(lines.length - 1);
  for (let r = 1; r < lines.length; r++) {
    const v = lines[r].split(',')[seenCol];
    if (v !== '0' && v !== '1') throw new MtrankError(placeMessage({ file: path, line: r + 1, column: 'item_seen' }, `expected 0 or 1, got '${v}'`));
    seenFlag[r - 1] = v === '1' ? 1 : 0;
  }
  for (const task of tasks) {
    const pc = head.indexOf(`p_${task}`), yc = head.indexOf(`y_${task}`);
    if (pc < 0 || yc < 0) continue;
    const parts: Record<'seen' | 'unseen', { s: number[]; y: number[] }> = { seen: { s: [], y: [] }, unseen: { s: [], y: [] } };
    for (let r = 1; r < lines.length; r++) {
      const cells = lines[r].split(',');
      const s = Number(cells[pc]), y = cells[yc];
      if (!Number.isFinite(s)) throw new MtrankError(placeMessage({ file: path, line: r + 1, column: `p_${task}` }, `not a finite score: '${cells[pc]}'`));
      if (y !== '0' && y !== '1') throw new MtrankError(placeMessage({ file: path, line: r + 1, column: `y_${task}` }, `expected 0 or 1, got '${y}'`));
      const part = seenFlag[r - 1] ? parts.seen : parts.unseen;
      part.s.push(s); part.y.push(y === '1' ? 1 : 0);
    }
    const m = (p: { s: number[]; y: number[] }) => sliceMetrics(Float64Array.from(p.s), Uint8Array.from(p.y));
    out.push({ task, seen: m(parts.seen), unseen: m(parts.unseen) });
  }
  return out.length ? out : undefined;
}
