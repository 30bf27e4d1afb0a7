/**
 * Data sources: a path, glob or list (optionally with per-source reader options) → concrete files and the
 * DuckDB table function that reads one of them (read_csv with every cell as VARCHAR, or read_parquet).
 */
import { existsSync, statSync } from 'node:fs';
import type { DataConfig, SourceConfig } from '../config/schema.js';
import { MtrankError } from '../util/errors.js';
import { queryRows, sqlList, sqlString, type DuckDBConnection } from '../util/duckdb.js';

export interface ReaderOptions {
  format: 'csv' | 'tsv' | 'parquet';
  header: boolean;
  columns?: string[];
  delimiter?: string;
  quote?: string;
  nullValues: string[];
  skipLines: number;
}

export interface SourceFile {
  path: string;
  options: ReaderOptions;
  size: number;
  mtimeMs: number;
}

const isGlob = (p: string) => /[*?[{]/.test(p);

/** Expand a source into files with their merged reader options (source options override `data:` ones). */
export async function expandSource(c: DuckDBConnection, src: SourceConfig, data: DataConfig): Promise<SourceFile[]> {
  const obj = typeof src === 'object' && !Array.isArray(src) ? src : { path: src };
  const patterns = Array.isArray(obj.path) ? obj.path : [obj.path];
  const files: SourceFile[] = [];
  for (const pattern of patterns) {
    let paths: string[];
    if (isGlob(pattern)) {
      paths = (await queryRows(c, `SELECT file FROM glob(${sqlString(pattern)}) ORDER BY file`)).map((r) =>
        String(r.file),
      );
      if (paths.length === 0) throw new MtrankError(`${pattern}: no file matches this pattern`);
    } else {
      if (!existsSync(pattern)) throw new MtrankError(`${pattern}: file not found`);
      paths = [pattern];
    }
    for (const path of paths) {
      const st = statSync(path);
      const format = obj.format ?? data.format;
      files.push({
        path,
        size: st.size,
        mtimeMs: st.mtimeMs,
        options: {
          format: format === 'auto' ? formatOf(path) : format,
          header: obj.header ?? data.header,
          columns: obj.columns ?? data.columns,
          delimiter: obj.delimiter ?? data.delimiter,
          quote: obj.quote ?? data.quote,
          nullValues: obj.nullValues ?? data.nullValues,
          skipLines: obj.skipLines ?? data.skipLines,
        },
      });
    }
  }
  return files;
}

export function formatOf(path: string): 'csv' | 'tsv' | 'parquet' {
  const p = path.toLowerCase().replace(/\.(gz|gzip|zst)$/, '');
  if (p.endsWith('.parquet') || p.endsWith('.pq')) return 'parquet';
  if (p.endsWith('.tsv') || p.endsWith('.tab')) return 'tsv';
  return 'csv';
}

/** The table function reading one file; CSV cells stay VARCHAR so every value is checked by our rules. */
export function readerSql(file: SourceFile, rejects?: { table: string; scan: string }): string {
  const o = file.options;
  if (o.format === 'parquet') return `read_parquet(${sqlString(file.path)})`;
  const args = [
    sqlString(file.path),
    'all_varchar = true',
    `header = ${o.header}`,
    `skip = ${o.skipLines}`,
    `delim = ${sqlString(o.delimiter ?? (o.format === 'tsv' ? '\t' : ','))}`,
    `nullstr = ${sqlList(['', ...o.nullValues])}`,
    'null_padding = false',
  ];
  if (o.quote !== undefined) args.push(`quote = ${sqlString(o.quote)}`);
  if (o.columns) args.push(`names = ${sqlList(o.columns)}`);
  if (rejects)
    args.push(
      'store_rejects = true',
      `rejects_table = ${sqlString(rejects.table)}`,
      `rejects_scan = ${sqlString(rejects.scan)}`,
    );
  return `read_csv(${args.join(', ')})`;
}

/** Lines before the first data row (skipped lines + header). */
export function linesBeforeData(file: SourceFile): number {
  return file.options.format === 'parquet' ? 0 : file.options.skipLines + (file.options.header ? 1 : 0);
}
