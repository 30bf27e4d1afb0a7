// Reads the columns pretraining needs from an interaction log (CSV/TSV/Parquet) through DuckDB.
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { MtrankError, placeMessage } from '../util/errors.js';

export interface InteractionLog {
  /** Row r: users[r] interacted with items[r] (IDs as strings, the way vocabularies key them). */
  users: string[];
  items: string[];
  /** Milliseconds for timestamp/date columns, the raw number otherwise; absent without a time column. */
  time?: Float64Array;
  /** Numeric columns by name (NaN where missing). */
  numeric: Record<string, Float64Array>;
}

export interface ReadLogOptions {
  user: string;
  item: string;
  time?: string;
  numeric?: string[];
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const sqlIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

function source(path: string): string {
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet') return `read_parquet(${sqlString(path)})`;
  const delim = ext === '.tsv' ? ", delim='\\t'" : '';
  return `read_csv(${sqlString(path)}, header=true${delim})`;
}

export async function readInteractionLog(path: string, o: ReadLogOptions): Promise<InteractionLog> {
  if (!existsSync(path)) throw new MtrankError(placeMessage({ file: path }, 'interaction log not found'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const from = source(path);
    let types: Map<string, string>;
    try {
      const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
      types = new Map(described.getRowsJS().map((r) => [String(r[0]), String(r[1])]));
    } catch (e) {
      throw new MtrankError(placeMessage({ file: path }, `cannot read the log: ${(e as Error).message.split('\n')[0]}`));
    }
    const need = [o.user, o.item, ...(o.time ? [o.time] : []), ...(o.numeric ?? [])];
    for (const col of need) {
      if (!types.has(col)) throw new MtrankError(placeMessage({ file: path, column: col }, `no such column (columns: ${[...types.keys()].join(', ')})`));
    }
    const exprs = [`CAST(${sqlIdent(o.user)} AS VARCHAR)`, `CAST(${sqlIdent(o.item)} AS VARCHAR)`];
    if (o.time) exprs.push(timeExpr(o.time, types.get(o.time)!));
    for (const col of o.numeric ?? []) exprs.push(`TRY_CAST(${sqlIdent(col)} AS DOUBLE)`);
    const result = await conn.runAndReadAll(`SELECT ${exprs.join(', ')} FROM ${from}`);
    const cols = result.getColumnsJS() as unknown[][];
    const users = cols[0] as (string | null)[], items = cols[1] as (string | null)[];
    for (let r = 0; r < users.length; r++) {
      // Rows are 1-based after the header line.
      if (users[r] === null) throw new MtrankError(placeMessage({ file: path, row: r + 1, column: o.user }, 'missing user ID'));
      if (items[r] === null) throw new MtrankError(placeMessage({ file: path, row: r + 1, column: o.item }, 'missing item ID'));
    }
    const log: InteractionLog = { users: users as string[], items: items as string[], numeric: {} };
    let k = 2;
    if (o.time) {
      const t = cols[k++]!;
      log.time = Float64Array.from(t, (v, r) => {
        if (v === null) throw new MtrankError(placeMessage({ file: path, row: r + 1, column: o.time }, 'missing or unparseable time'));
        return Number(v);
      });
    }
    for (const col of o.numeric ?? []) log.numeric[col] = Float64Array.from(cols[k++]!, (v) => (v === null ? NaN : Number(v)));
    return log;
  } finally {
    conn.closeSync();
  }
}

function timeExpr(col: string, type: string): string {
  const c = sqlIdent(col);
  if (/^(TIMESTAMP|DATE)/i.test(type)) return `epoch_ms(CAST(${c} AS TIMESTAMP))::DOUBLE`;
  if (/^VARCHAR/i.test(type)) return `COALESCE(TRY_CAST(${c} AS DOUBLE), epoch_ms(TRY_CAST(${c} AS TIMESTAMP))::DOUBLE)`;
  return `TRY_CAST(${c} AS DOUBLE)`;
}
