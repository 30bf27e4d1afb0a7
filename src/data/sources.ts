/**
 * Data sources: a path, glob or list (optionally with per-source reader options) → concrete files and the
 * DuckDB table function that reads one of them (read_csv with every cell as VARCHAR, or read_parquet).
 */
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { DataConfig, SourceConfig } from '../config/schema.js';
import { MtrankError, placeMessage } from '../util/errors.js';
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
const sourceObject = (src: SourceConfig) => (typeof src === 'object' && !Array.isArray(src) ? src : { path: src });
const patternsOf = (src: SourceConfig) => {
  const { path } = sourceObject(src);
  return Array.isArray(path) ? path : [path];
};

/** Whether expanding the source needs DuckDB (a glob pattern). */
export const hasGlob = (src: SourceConfig): boolean => patternsOf(src).some(isGlob);

/**
 * Expand a source into files with their merged reader options (source options override `data:` ones). The
 * connection expands glob patterns; without one (hasGlob false) the paths are only checked and stat'ed.
 */
export async function expandSource(
  c: DuckDBConnection | undefined,
  src: SourceConfig,
  data: DataConfig,
): Promise<SourceFile[]> {
  const obj = sourceObject(src);
  const files: SourceFile[] = [];
  for (const pattern of patternsOf(src)) {
    let paths: string[];
    if (isGlob(pattern)) {
      if (!c) throw new Error(`expandSource: ${pattern} is a glob and needs a DuckDB connection`);
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

/**
 * Decompress every gzip source once to its end: a truncated file (which a reader may stop at a flush point
 * without an error, losing rows) or a `.gz` that is not gzip is an error naming the file.
 */
export async function checkCompressedSources(files: readonly Pick<SourceFile, 'path'>[]): Promise<void> {
  for (const f of files) {
    if (!/\.(gz|gzip)$/i.test(f.path)) continue;
    const sink = new Writable({ write: (_chunk, _enc, done) => done() });
    try {
      await pipeline(createReadStream(f.path), createGunzip(), sink);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === 'Z_BUF_ERROR' || /unexpected end/i.test((e as Error).message)
          ? 'truncated gzip stream (the file is incomplete)'
          : code === 'Z_DATA_ERROR'
            ? 'not a valid gzip file'
            : (e as Error).message;
      throw new MtrankError(`${f.path}: ${why}; re-download or re-compress it`, undefined, 'data');
    }
  }
}

/**
 * A CSV header that names a column twice is an error (a reader would rename one, and a feature would silently
 * read the other). Plain-text files with a header only; quoted names are unquoted.
 */
export function checkHeaderNames(f: SourceFile): void {
  const o = f.options;
  if (o.format === 'parquet' || !o.header || /\.(gz|gzip|zst)$/i.test(f.path)) return;
  const fd = openSync(f.path, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(1 << 16);
    text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
  const lines = text.split(/\r?\n/);
  if (lines.length <= o.skipLines + 1) return; // header longer than the sniffed block: leave it to the reader
  const delim = o.delimiter ?? (o.format === 'tsv' ? '\t' : ',');
  const quote = o.quote ?? '"';
  const names = lines[o.skipLines]!.split(delim).map((n) => {
    const t = n.trim();
    return t.length >= 2 && t.startsWith(quote) && t.endsWith(quote) ? t.slice(1, -1) : t;
  });
  const first = new Map<string, number>();
  names.forEach((n, k) => {
    const before = first.get(n);
    if (before !== undefined)
      throw new MtrankError(
        placeMessage(
          { file: f.path, line: o.skipLines + 1, column: n },
          `duplicate column name (fields ${before + 1} and ${k + 1}); rename one`,
        ),
        undefined,
        'data',
      );
    first.set(n, k);
  });
}
