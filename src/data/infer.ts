/**
 * Encoding at inference with a saved preprocessor: raw rows (objects) or a file go through the very same
 * staging, checks and SQL as training, so a raw row encodes identically. (For one row at a time without
 * DuckDB, `Preprocessor.encodeRow` does the same arithmetic in JS.)
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Preprocessor } from '../features/preprocessor.js';
import { kindOf } from '../features/kinds/index.js';
import { registerVocabularies } from '../features/sql.js';
import { MtrankError } from '../util/errors.js';
import { loadSplit } from './cache.js';
import { queryRow, withConnection } from '../util/duckdb.js';
import { encodeTable } from './encode.js';
import { formatOf, type ReaderOptions, type SourceFile } from './sources.js';
import { stageFiles, type BadRowReport, type RowRules } from './stage.js';
import type { EncodedSplit } from './types.js';

export interface EncodeRowsOptions {
  /** Reader options for a file (defaults: header, ',' or tab by extension). */
  reader?: Partial<ReaderOptions>;
  /** Encode labels too (the label columns must then be present). */
  withLabels?: boolean;
  onBadRow?: 'error' | 'skip';
  threads?: number;
}

/** Encode raw rows or a CSV/TSV/Parquet file with a fitted preprocessor. */
export async function encodeRows(
  pre: Preprocessor,
  input: Record<string, unknown>[] | string,
  opts: EncodeRowsOptions = {},
): Promise<EncodedSplit & { badRows: BadRowReport }> {
  const work = mkdtempSync(join(tmpdir(), 'mtrank-encode-'));
  try {
    const path = typeof input === 'string' ? input : writeRowsCsv(pre, input, join(work, 'rows.csv'));
    if (!existsSync(path)) throw new MtrankError(`${path}: file not found`);
    const st = statSync(path);
    const format = opts.reader?.format ?? formatOf(path);
    const file: SourceFile = {
      path,
      size: st.size,
      mtimeMs: st.mtimeMs,
      options: {
        format,
        header: true,
        nullValues: pre.json.nullValues,
        skipLines: 0,
        ...opts.reader,
        ...(typeof input === 'string'
          ? {}
          : { format: 'csv', header: true, delimiter: ',', skipLines: 0, columns: undefined }),
      },
    };
    const withLabels = opts.withLabels ?? false;
    const rules = rulesOf(pre, withLabels);
    const badRows: BadRowReport = { skipped: 0, reasons: {}, examples: [] };
    return await withConnection(
      async (c) => {
        await registerVocabularies(c, pre.json);
        await stageFiles(c, '__stage_infer', [file], 0, rules, opts.onBadRow ?? 'error', badRows);
        await c.run('CREATE OR REPLACE TEMP TABLE __raw_infer AS SELECT rowid AS __row, * FROM __stage_infer');
        const rows = Number((await queryRow(c, 'SELECT count(*) AS n FROM __raw_infer')).n);
        const dir = join(work, 'split');
        const m = await encodeTable(c, { table: '__raw_infer', order: '__row' }, pre.json, dir, { withLabels });
        if (m.rows !== rows) throw new Error(`encoded ${m.rows} of ${rows} rows`);
        return { ...loadSplit(dir, m), badRows };
      },
      { threads: opts.threads },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function rulesOf(pre: Preprocessor, withLabels: boolean): RowRules {
  const fs = pre.json.features;
  const columns = (raw: 'text' | 'number') => [
    ...new Set(fs.filter((f) => kindOf(f).raw === raw).map((f) => f.column)),
  ];
  const text = columns('text'),
    numeric = columns('number');
  const labels = withLabels ? pre.json.labels : [];
  return { text, numeric, labels, required: [...new Set([...text, ...numeric, ...labels.map((l) => l.column)])] };
}

/** Rows → a CSV with every needed column, every field quoted (missing = empty = NULL). */
function writeRowsCsv(pre: Preprocessor, rows: Record<string, unknown>[], path: string): string {
  const cols = rulesOf(pre, rows.length > 0 && pre.json.labels.every((l) => l.column in rows[0])).required;
  const quote = (v: unknown) => (v === null || v === undefined ? '' : `"${String(v).replace(/"/g, '""')}"`);
  const lines = [cols.map(quote).join(','), ...rows.map((r) => cols.map((c) => quote(r[c])).join(','))];
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}
