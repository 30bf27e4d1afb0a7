// Reads the columns pretraining needs from an interaction log (CSV/TSV/Parquet) through DuckDB.
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { MtrankError, placeMessage } from '../util/errors.js';

export interface InteractionLog {
  /** Row r: users[r] interacted with items[r] (IDs as strings, the way vocabularies key them). */
  users: string[];
  items: string[];
  /** Milliseconds for timestamp/date columns, the raw number otherwise; absent without a time column. */
  time?: Float64Array;
  /** Numeric columns by name (NaN where missing). */
  numeric: Record<string, Float64Array>;
  /** With `until`/`where`: the file's rows and how many of them the filters kept. */
  filter?: { fileRows: number; keptRows: number };
}

export interface ReadLogOptions {
  user: string;
  item: string;
  time?: string;
  numeric?: string[];
  /**
   * Keep the rows whose time column is before this value (pretraining must not see the test period): a number,
   * compared with a numeric column, or a timestamp ('2022-04-20', '2022-04-19 16:00:00'), compared with a
   * timestamp/date column — as data.split.validFrom. Compared with `untilColumn`, default `time`.
   */
  until?: string | number;
  /** The column `until` applies to when it is not the ordering time column (e.g. the config's time split column). */
  untilColumn?: string;
  /** A DuckDB filter expression over the log's columns (e.g. "date < 20220420"); rows where it is not true are dropped. */
  where?: string;
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
  // Loaded on first use: a training run that never reads a log does not load DuckDB's native module.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const from = source(path);
    let types: Map<string, string>;
    try {
      const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
      types = new Map(described.getRowsJS().map((r) => [String(r[0]), String(r[1])]));
    } catch (e) {
      throw new MtrankError(
        placeMessage({ file: path }, `cannot read the log: ${(e as Error).message.split('\n')[0]}`),
      );
    }
    const untilColumn = o.until === undefined ? undefined : (o.untilColumn ?? o.time);
    const need = [
      o.user,
      o.item,
      ...(o.time ? [o.time] : []),
      ...(untilColumn ? [untilColumn] : []),
      ...(o.numeric ?? []),
    ];
    for (const col of need) {
      if (!types.has(col))
        throw new MtrankError(
          placeMessage({ file: path, column: col }, `no such column (columns: ${[...types.keys()].join(', ')})`),
        );
    }
    const before =
      o.until === undefined
        ? undefined
        : await untilCondition(conn, o.until, untilColumn, untilColumn ? types.get(untilColumn) : undefined);
    // Rows are numbered in file order (1-based after the header line) before filtering, so errors name file rows.
    const numbered = `(SELECT *, row_number() OVER () AS __row FROM ${from})`;
    const conds = [...(before ? [`(${before}) IS NOT FALSE`] : []), ...(o.where !== undefined ? [`(${o.where})`] : [])];
    const filtered = conds.length ? `${numbered} WHERE ${conds.join(' AND ')}` : numbered;
    const exprs = [`CAST(${sqlIdent(o.user)} AS VARCHAR)`, `CAST(${sqlIdent(o.item)} AS VARCHAR)`, '__row'];
    if (before) exprs.push(`(${before}) AS __before`);
    if (o.time) exprs.push(timeExpr(o.time, types.get(o.time)!));
    for (const col of o.numeric ?? []) exprs.push(`TRY_CAST(${sqlIdent(col)} AS DOUBLE)`);
    let result;
    try {
      result = await conn.runAndReadAll(`SELECT ${exprs.join(', ')} FROM ${filtered} ORDER BY __row`);
    } catch (e) {
      if (o.where === undefined) throw e;
      throw new MtrankError(
        `--where ${o.where}: not a valid filter on ${path}: ${(e as Error).message.split('\n')[0]}`,
      );
    }
    const cols = result.getColumnsJS() as unknown[][];
    const users = cols[0] as (string | null)[],
      items = cols[1] as (string | null)[];
    const fileRow = (r: number) => Number(cols[2]![r]);
    for (let r = 0; r < users.length; r++) {
      if (users[r] === null)
        throw new MtrankError(placeMessage({ file: path, row: fileRow(r), column: o.user }, 'missing user ID'));
      if (items[r] === null)
        throw new MtrankError(placeMessage({ file: path, row: fileRow(r), column: o.item }, 'missing item ID'));
    }
    const log: InteractionLog = { users: users as string[], items: items as string[], numeric: {} };
    let k = 3;
    const beforeCol = before ? cols[k++]! : undefined;
    // A kept row whose time could not be compared with --until (a missing or unreadable value) is an error, not a guess.
    const unknown = beforeCol?.findIndex((v) => v === null) ?? -1;
    if (unknown >= 0)
      throw new MtrankError(
        placeMessage(
          { file: path, row: fileRow(unknown), column: untilColumn },
          `missing or unreadable time, cannot compare it with --until ${o.until}`,
        ),
      );
    if (o.time) {
      const t = cols[k++]!;
      log.time = Float64Array.from(t, (v, r) => {
        if (v === null)
          throw new MtrankError(
            placeMessage({ file: path, row: fileRow(r), column: o.time }, 'missing or unparseable time'),
          );
        return Number(v);
      });
    }
    for (const col of o.numeric ?? [])
      log.numeric[col] = Float64Array.from(cols[k++]!, (v) => (v === null ? NaN : Number(v)));
    if (conds.length) {
      const fileRows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${from}`)).getRowsJS()[0]![0]);
      log.filter = { fileRows, keptRows: users.length };
    }
    return log;
  } finally {
    conn.closeSync();
  }
}

/**
 * SQL condition "the time column is before `until`": a number against a numeric (or numeric text) column, a
 * timestamp against a timestamp/date (or timestamp text) column; a mismatch of kinds is an error, not a guess.
 */
async function untilCondition(
  conn: DuckDBConnection,
  until: string | number,
  time: string | undefined,
  type: string | undefined,
): Promise<string> {
  if (!time || !type) throw new MtrankError(`--until ${until}: needs a time column (--time COL or --until-column COL)`);
  const text = String(until).trim();
  const c = sqlIdent(time);
  const temporal = /^(TIMESTAMP|DATE)/i.test(type),
    varchar = /^VARCHAR/i.test(type);
  if (text !== '' && Number.isFinite(Number(text))) {
    if (temporal)
      throw new MtrankError(
        `--until ${until}: the time column '${time}' holds ${type.toLowerCase()} values; give a timestamp such as 2022-04-20`,
      );
    return `TRY_CAST(${c} AS DOUBLE) < ${Number(text)}`;
  }
  const ts = `TRY_CAST(${sqlString(text)} AS TIMESTAMP)`;
  const ok = (await conn.runAndReadAll(`SELECT ${ts} IS NOT NULL`)).getRowsJS()[0]![0];
  if (!ok)
    throw new MtrankError(
      `--until ${until}: expected a number or a timestamp (e.g. 2022-04-20 or 2022-04-19 16:00:00)`,
    );
  if (!temporal && !varchar)
    throw new MtrankError(
      `--until ${until}: the time column '${time}' holds numbers (${type}); give a number in its units`,
    );
  return `TRY_CAST(${c} AS TIMESTAMP) < ${ts}`;
}

function timeExpr(col: string, type: string): string {
  const c = sqlIdent(col);
  if (/^(TIMESTAMP|DATE)/i.test(type)) return `epoch_ms(CAST(${c} AS TIMESTAMP))::DOUBLE`;
  if (/^VARCHAR/i.test(type))
    return `COALESCE(TRY_CAST(${c} AS DOUBLE), epoch_ms(TRY_CAST(${c} AS TIMESTAMP))::DOUBLE)`;
  return `TRY_CAST(${c} AS DOUBLE)`;
}
