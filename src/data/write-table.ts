/**
 * The one table writer for scores leaving mtrank (predict output, prediction files): columns → DuckDB →
 * `COPY` to CSV or Parquet, written to a temporary file and renamed (atomic), or streamed to stdout for `-`.
 * An extension it cannot write is refused before any work.
 */
import { createReadStream, renameSync, rmSync } from 'node:fs';
import { extname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempPath } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';
import { ident, sqlString, withConnection } from '../util/duckdb.js';

export type TableFormat = 'csv' | 'parquet';

export type OutputColumn =
  | { name: string; type: 'float' | 'int'; values: ArrayLike<number> }
  | { name: string; type: 'text'; values: ArrayLike<unknown> };

const FORMATS: Record<string, TableFormat> = { '.csv': 'csv', '.parquet': 'parquet', '.pq': 'parquet' };

/** The format of an output path (`-` = CSV on stdout), or an error naming what can be written. */
export function outputFormat(path: string): TableFormat {
  if (path === '-') return 'csv';
  const f = FORMATS[extname(path).toLowerCase()];
  if (!f)
    throw new MtrankError(
      `${path}: cannot write '${extname(path) || 'a file without extension'}'; use .csv, .parquet or - (CSV to stdout)`,
    );
  return f;
}

export async function writeTable(path: string, columns: OutputColumn[], rows: number): Promise<void> {
  const format = outputFormat(path);
  const target = path === '-' ? join(tmpdir(), `mtrank-stdout-${process.pid}-${Date.now()}.csv`) : tempPath(path);
  try {
    await withConnection(
      async (c) => {
        const sqlType = { float: 'FLOAT', int: 'INTEGER', text: 'VARCHAR' } as const;
        const defs = columns.map((col) => `${ident(col.name)} ${sqlType[col.type]}`);
        await c.run(`CREATE TABLE out (${defs.join(', ')})`);
        const a = await c.createAppender('out');
        for (let r = 0; r < rows; r++) {
          for (const col of columns) {
            const v = col.values[r];
            if (col.type === 'float') a.appendFloat(v as number);
            else if (col.type === 'int') a.appendInteger(v as number);
            else if (v === null || v === undefined) a.appendNull();
            else a.appendVarchar(String(v));
          }
          a.endRow();
        }
        a.closeSync();
        const opts = format === 'parquet' ? 'FORMAT parquet' : 'FORMAT csv, HEADER true';
        await c.run(`COPY out TO ${sqlString(target)} (${opts})`);
      },
      { threads: 1 },
    );
    if (path === '-') await pipeline(createReadStream(target), process.stdout, { end: false });
    else renameSync(target, path);
  } finally {
    rmSync(target, { force: true });
  }
}
