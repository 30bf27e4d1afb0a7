/**
 * Staging: read the source files into DuckDB tables (one per split) holding the needed columns as VARCHAR
 * plus `__file` (index into the file list), in file order so `rowid` maps back to a file line (or Parquet row), check every
 * row against the rules (field count, labels, numbers, time column), and split a single source.
 */
import { randomSplitRatios, type ExperimentConfig, type SourceConfig } from '../config/schema.js';
import { MtrankError, placeMessage } from '../util/errors.js';
import { ident, queryRow, queryRows, sqlString, type DuckDBConnection } from '../util/duckdb.js';
import { checkHeaderNames, expandSource, linesBeforeData, readerSql, type SourceFile } from './sources.js';
import { MISSING_LABEL, SPLITS, type SplitName } from './types.js';
import {
  BINARY_LABEL_VALUES,
  POSITIVE_LABEL_VALUES,
  TIME_COL,
  badCol,
  labelCol,
  numCol,
  textCol,
} from '../features/sql.js';
import { featureColumn, fittedLabels } from '../features/fit.js';
import { configuredKind } from '../features/kinds/index.js';
import type { FittedLabel } from '../features/preprocessor.js';

export interface BadRowReport {
  /** Rows dropped with `onBadRow: skip`. */
  skipped: number;
  /** Skipped rows per reason (a row can have several). */
  reasons: Record<string, number>;
  /** The first few places, for the log. */
  examples: string[];
}

/** A staged table and the column that orders its rows as in the files (always `__row`, a materialised rowid). */
export interface StagedTable {
  table: string;
  order: string;
  /** A view over one split table (drop it as a VIEW). */ view?: boolean;
}

export interface Staged {
  files: SourceFile[];
  tables: Partial<Record<SplitName, StagedTable>>;
  badRows: BadRowReport;
}

/** What every row must satisfy, and which columns staging keeps. */
export interface RowRules {
  /** Columns kept as text (categorical, multi-categorical). */
  text: string[];
  /** Columns parsed as finite numbers. */
  numeric: string[];
  labels: FittedLabel[];
  time?: { column: string; numeric: boolean };
  required: string[];
}

export function rowRules(config: ExperimentConfig, withLabels = true): RowRules {
  const feats = Object.entries(config.features);
  const columns = (raw: 'text' | 'number') => [
    ...new Set(feats.filter(([, f]) => configuredKind(f).raw === raw).map(([n, f]) => featureColumn(n, f))),
  ];
  const text = columns('text'),
    numeric = columns('number');
  const labels = withLabels ? fittedLabels(config) : [];
  const split = config.data.split;
  const time =
    split?.method === 'time' ? { column: split.column, numeric: typeof split.validFrom === 'number' } : undefined;
  const required = [...new Set([...text, ...numeric, ...labels.map((l) => l.column), ...(time ? [time.column] : [])])];
  return { text, numeric, labels, time, required };
}

/**
 * The staged columns: text as VARCHAR, numbers as DOUBLE, labels as 0/1, the time as DOUBLE/TIMESTAMP; and for
 * each checked value a `bad:` column holding the raw text (or '' for a missing value) only where it breaks its rule.
 */
function stagedColumns(rules: RowRules): { select: string[]; checks: Check[] } {
  const select: string[] = [],
    checks: Check[] = [];
  const raw = (col: string) => `CAST(${ident(col)} AS VARCHAR)`;
  for (const col of rules.text) select.push(`${raw(col)} AS ${ident(textCol(col))}`);
  for (const col of rules.numeric) {
    const x = `TRY_CAST(${raw(col)} AS DOUBLE)`;
    select.push(`${x} AS ${ident(numCol(col))}`);
    const bad = badCol(numCol(col));
    select.push(
      `CASE WHEN ${ident(col)} IS NOT NULL AND NOT COALESCE(isfinite(${x}), false) THEN ${raw(col)} END AS ${ident(bad)}`,
    );
    checks.push({ reason: 'not a finite number', column: col, bad, expected: 'expected a finite number' });
  }
  const missingOf: string[] = [];
  for (const l of rules.labels) {
    const v = `trim(${raw(l.column)})`,
      allowed = l.positive ? (l.negative ? [...l.positive, ...l.negative] : undefined) : BINARY_LABEL_VALUES;
    // Declared missing values (an empty cell when '' is listed) stage as MISSING_LABEL, before any other rule.
    const missing = l.missing
      ? `WHEN ${[...(l.missing.includes('') ? [`${v} IS NULL`] : []), `${v} IN (${l.missing.map(sqlString).join(', ')})`].join(' OR ')} THEN ${MISSING_LABEL} `
      : '';
    const value = l.positive
      ? `CASE ${missing}WHEN ${v} IN (${l.positive.map(sqlString).join(', ')}) THEN 1 WHEN ${l.negative ? `${v} IN (${l.negative.map(sqlString).join(', ')})` : `${v} IS NOT NULL`} THEN 0 END`
      : `CASE ${missing}WHEN ${v} IN (${POSITIVE_LABEL_VALUES.map(sqlString).join(', ')}) THEN 1 WHEN ${v} IN (${BINARY_LABEL_VALUES.map(sqlString).join(', ')}) THEN 0 END`;
    if (l.missing) missingOf.push(`(${value})`);
    select.push(`(${value})::UTINYINT AS ${ident(labelCol(l.task))}`);
    const bad = badCol(labelCol(l.task));
    select.push(`CASE WHEN (${value}) IS NULL THEN COALESCE(${raw(l.column)}, '') END AS ${ident(bad)}`);
    checks.push(
      allowed
        ? {
            reason: `label of ${l.task} outside its rule`,
            column: l.column,
            bad,
            expected: `label outside its rule (expected one of ${allowed.join(', ')})`,
          }
        : { reason: `label of ${l.task} missing`, column: l.column, bad, expected: 'label missing' },
    );
  }
  // A row whose every task label is declared missing trains and measures nothing: refused (or skipped and counted).
  if (missingOf.length && missingOf.length === rules.labels.length) {
    const bad = badCol('__no_label');
    select.push(
      `CASE WHEN ${missingOf.map((x) => `${x} = ${MISSING_LABEL}`).join(' AND ')} THEN '' END AS ${ident(bad)}`,
    );
    checks.push({
      reason: 'no label for any task',
      column: rules.labels[0]!.column,
      bad,
      expected: 'a row needs a label for at least one task (every label column holds a declared missing value)',
    });
  }
  if (rules.time) {
    const t = rules.time,
      x = `TRY_CAST(${raw(t.column)} AS ${t.numeric ? 'DOUBLE' : 'TIMESTAMP'})`;
    select.push(`${x} AS ${ident(TIME_COL)}`);
    const bad = badCol(TIME_COL);
    select.push(`CASE WHEN ${x} IS NULL THEN COALESCE(${raw(t.column)}, '') END AS ${ident(bad)}`);
    checks.push({
      reason: 'unreadable time',
      column: t.column,
      bad,
      expected: t.numeric ? 'expected a number (time split column)' : 'expected a timestamp (time split column)',
    });
  }
  return { select, checks };
}

/**
 * Stage the configured splits into __raw_train / __raw_valid / __raw_test: one `source` split three ways, or
 * explicit files per split, where a `split` with an explicit `train` carves train/valid out of it.
 */
export async function stageSplits(c: DuckDBConnection, config: ExperimentConfig): Promise<Staged> {
  const d = config.data,
    rules = rowRules(config);
  const files: SourceFile[] = [];
  const badRows: BadRowReport = { skipped: 0, reasons: {}, examples: [] };
  const tables: Partial<Record<SplitName, StagedTable>> = {};
  /** Where each split's rows come from, for the empty-split message. */
  const origin: Partial<Record<SplitName, string>> = {};
  const paths = (fs: SourceFile[]) => fs.map((f) => f.path).join(', ');
  const stage = async (name: string, src: SourceConfig): Promise<SourceFile[]> => {
    const own = await expandSource(c, src, d);
    const skippedBefore = badRows.skipped;
    await stageFiles(c, name, own, files.length, rules, d.onBadRow, badRows);
    files.push(...own);
    // A header-only file is a data problem, not a split problem: say so before any split is blamed.
    if (Number((await queryRow(c, `SELECT count(*) AS n FROM ${name}`)).n) === 0)
      throw new MtrankError(
        `${paths(own)}: no data rows (${badRows.skipped > skippedBefore ? `all ${badRows.skipped - skippedBefore} were bad rows, skipped` : own[0]!.options.header ? 'only a header line' : 'the file holds no rows'})`,
      );
    return own;
  };
  if (d.source) {
    const own = await stage('__stage_all', d.source);
    await splitStaged(c, config, '__stage_all', SPLITS);
    for (const s of SPLITS) {
      tables[s] = { table: `__raw_${s}`, order: '__row', view: true };
      origin[s] = `${paths(own)} after the ${d.split!.method} split`;
    }
  } else {
    for (const s of SPLITS) {
      const src = d[s];
      if (!src) continue;
      const own = await stage(`__stage_${s}`, src);
      origin[s] = paths(own);
      if (s === 'train' && d.split) {
        // Validation carved from the training files (seeded), so early stopping never looks at the test file.
        await splitStaged(c, config, '__stage_train', ['train', 'valid']);
        for (const k of ['train', 'valid'] as const) {
          tables[k] = { table: `__raw_${k}`, order: '__row', view: true };
          origin[k] = `${paths(own)} after the random split of data.train`;
        }
        continue;
      }
      await c.run(`CREATE OR REPLACE TEMP TABLE __raw_${s} AS SELECT rowid AS __row, * FROM __stage_${s}`);
      await c.run(`DROP TABLE __stage_${s}`);
      tables[s] = { table: `__raw_${s}`, order: '__row' };
    }
  }
  for (const [s, t] of Object.entries(tables) as [SplitName, StagedTable][]) {
    const n = Number((await queryRow(c, `SELECT count(*) AS n FROM ${t.table}`)).n);
    if (n === 0)
      throw new MtrankError(
        `${s} split is empty (${origin[s]}${badRows.skipped ? `; ${badRows.skipped} bad rows were skipped` : ''})`,
      );
  }
  return { files, tables, badRows };
}

/** Where each file's rows sit in a staged table, to turn a rowid back into a file line. */
interface FileSpan {
  file: SourceFile;
  index: number;
  start: number;
  rows: number;
  rejectedBefore: number[];
}

/**
 * Read files into one table (in file order, so rowid follows the files) with a __file column, enforcing the
 * structural and value rules.
 */
export async function stageFiles(
  c: DuckDBConnection,
  table: string,
  files: SourceFile[],
  firstIndex: number,
  rules: RowRules,
  onBadRow: 'error' | 'skip',
  report: BadRowReport,
): Promise<void> {
  const spans: FileSpan[] = [];
  let start = 0;
  for (let k = 0; k < files.length; k++) {
    const f = files[k],
      index = firstIndex + k;
    // Column checks need a sniff of the file: done up front only for header-less files (the field count),
    // otherwise only when the read fails, to name the missing column.
    const checkColumns = async () => {
      const columns = await fileColumns(c, f);
      if (f.options.columns && f.options.format !== 'parquet' && columns.length !== f.options.columns.length)
        throw new MtrankError(
          placeMessage(
            { file: f.path, line: linesBeforeData(f) + 1 },
            `rows have ${columns.length} fields but columns: names ${f.options.columns.length}`,
          ),
        );
      for (const col of rules.required) {
        if (!columns.includes(col)) {
          throw new MtrankError(
            placeMessage(
              {
                file: f.path,
                line: f.options.header && f.options.format !== 'parquet' ? f.options.skipLines + 1 : undefined,
                column: col,
              },
              `column not found (the file has: ${columns.join(', ')})`,
            ),
          );
        }
      }
    };
    if (f.size === 0) throw new MtrankError(`${f.path}: the file is empty (0 bytes)`);
    checkHeaderNames(f);
    if (f.options.columns && f.options.format !== 'parquet') await checkColumns();
    const run = async (sql: string) => {
      try {
        await c.run(sql);
      } catch (e) {
        await checkColumns();
        throw e;
      }
    };
    const cells = stagedColumns(rules).select.join(', ');
    const insert = (reader: string) =>
      k === 0
        ? `CREATE OR REPLACE TEMP TABLE ${table} AS SELECT ${index}::INTEGER AS __file, ${cells} FROM ${reader}`
        : `INSERT INTO ${table} SELECT ${index}::INTEGER AS __file, ${cells} FROM ${reader}`;
    let rejectedBefore: number[] = [];
    if (f.options.format === 'parquet') {
      await run(insert(readerSql(f)));
    } else {
      // Fast path: a strict read. Only when it fails (or rows may be skipped) read again keeping the rejects.
      const rejects = { table: `__rejects_${index}`, scan: `__rejscan_${index}` };
      let strictError: Error | undefined;
      if (onBadRow === 'error') {
        try {
          await c.run(insert(readerSql(f)));
        } catch (e) {
          await checkColumns();
          strictError = e as Error;
        }
      }
      if (onBadRow === 'skip' || strictError) {
        await run(insert(readerSql(f, rejects)));
        rejectedBefore = await checkStructure(c, f, rejects.table, onBadRow, report, strictError);
      }
    }
    const rows = Number((await queryRow(c, `SELECT count(*) AS n FROM ${table}`)).n) - start;
    spans.push({ file: f, index, start, rows, rejectedBefore });
    start += rows;
  }
  await checkValues(c, table, spans, rules, onBadRow, report);
}

async function fileColumns(c: DuckDBConnection, f: SourceFile): Promise<string[]> {
  try {
    return (await queryRows(c, `DESCRIBE SELECT * FROM ${readerSql(f)}`)).map((r) => String(r.column_name));
  } catch {
    // A file bad enough to defeat the dialect sniffer: sniff again tolerating bad rows; they are reported later.
    return (
      await queryRows(c, `DESCRIBE SELECT * FROM ${readerSql(f, { table: '__sniff_rejects', scan: '__sniff_scan' })}`)
    ).map((r) => String(r.column_name));
  }
}

/**
 * Rows with the wrong number of fields, from DuckDB's rejects table. Returns, for each rejected line in order,
 * how many accepted rows precede it (to map accepted rows back to file lines).
 */
async function checkStructure(
  c: DuckDBConnection,
  f: SourceFile,
  rej: string,
  onBadRow: 'error' | 'skip',
  report: BadRowReport,
  strictError?: Error,
): Promise<number[]> {
  const rows = await queryRows(c, `SELECT line, column_name, error_type, error_message FROM ${rej} ORDER BY line`);
  if (rows.length === 0) {
    if (strictError) throw new MtrankError(`${f.path}: cannot read the file: ${strictError.message.split('\n')[0]}`);
    return [];
  }
  const first = rows[0];
  const message = placeMessage(
    { file: f.path, line: Number(first.line), column: first.column_name ? String(first.column_name) : undefined },
    `wrong number of fields (${String(first.error_message).split('\n')[0]})`,
  );
  if (onBadRow === 'error') throw new MtrankError(message);
  report.skipped += rows.length;
  report.reasons['wrong number of fields'] = (report.reasons['wrong number of fields'] ?? 0) + rows.length;
  if (report.examples.length < 5) report.examples.push(message);
  const before = linesBeforeData(f);
  return rows.map((r, j) => Number(r.line) - before - (j + 1));
}

/** File line (or Parquet row) of the staged row with this rowid. */
function placeOf(spans: FileSpan[], rowid: number, column: string) {
  const s = spans.find((x) => rowid >= x.start && rowid < x.start + x.rows) ?? spans[spans.length - 1];
  const r = rowid - s.start + 1; // 1-based accepted row in the file
  if (s.file.options.format === 'parquet') return { file: s.file.path, row: r, column };
  const skipped = s.rejectedBefore.filter((a) => a < r).length;
  return { file: s.file.path, line: r + linesBeforeData(s.file) + skipped, column };
}

interface Check {
  reason: string;
  column: string;
  bad: string;
  expected: string;
}

/** Labels outside their rule, non-numbers and NaN/Infinity in numeric columns, unreadable time values. */
async function checkValues(
  c: DuckDBConnection,
  table: string,
  spans: FileSpan[],
  rules: RowRules,
  onBadRow: 'error' | 'skip',
  report: BadRowReport,
): Promise<void> {
  const checks = stagedColumns(rules).checks;
  if (checks.length === 0) return;
  const counts = await queryRow(
    c,
    `SELECT ${checks.map((k, i) => `count(${ident(k.bad)}) AS n${i}`).join(', ')} FROM ${table}`,
  );
  const failing = checks.map((k, i) => ({ ...k, n: Number(counts[`n${i}`]) })).filter((k) => k.n > 0);
  if (failing.length === 0) return;
  const places: { k: (typeof failing)[number]; rowid: number; message: string }[] = [];
  for (const k of failing) {
    const r = await queryRow(
      c,
      `SELECT rowid AS id, ${ident(k.bad)} AS v FROM ${table} WHERE ${ident(k.bad)} IS NOT NULL ORDER BY rowid LIMIT 1`,
    );
    const v = String(r.v);
    places.push({
      k,
      rowid: Number(r.id),
      message: placeMessage(
        placeOf(spans, Number(r.id), k.column),
        `${k.expected}, got ${v === '' ? 'a missing value' : `'${v}'`}`,
      ),
    });
  }
  places.sort((a, b) => a.rowid - b.rowid);
  if (onBadRow === 'error') throw new MtrankError(places[0].message);
  const anyBad = failing.map((k) => `${ident(k.bad)} IS NOT NULL`).join(' OR ');
  const removed = Number((await queryRow(c, `SELECT count(*) AS n FROM ${table} WHERE ${anyBad}`)).n);
  await c.run(`DELETE FROM ${table} WHERE ${anyBad}`);
  report.skipped += removed;
  for (const p of places) {
    report.reasons[p.k.reason] = (report.reasons[p.k.reason] ?? 0) + p.k.n;
    if (report.examples.length < 5) report.examples.push(p.message);
  }
}

/**
 * Split one staged table into the views __raw_<name> for `names` (train/valid/test of a source, or train/valid
 * carved from data.train): by seeded random ratios, or by time.
 */
async function splitStaged(
  c: DuckDBConnection,
  config: ExperimentConfig,
  staged: string,
  names: readonly SplitName[],
): Promise<void> {
  const s = config.data.split!;
  let conds: string[];
  if (s.method === 'random') {
    const ratios = randomSplitRatios(config.data);
    if (ratios.length !== names.length)
      throw new MtrankError(
        `data.split.ratios: expected ${names.length} ratios (${names.join(', ')}), got ${ratios.length}`,
      );
    const total = ratios.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new MtrankError('data.split.ratios: expected a positive sum');
    const u = `((hash(rowid, ${s.seed ?? config.seed}) % 1000000007) / 1000000007.0)`;
    let upTo = 0;
    conds = ratios.slice(0, -1).map((r) => `${u} < ${(upTo += r) / total}`);
  } else {
    const numeric = typeof s.validFrom === 'number';
    if (numeric !== (typeof s.testFrom === 'number'))
      throw new MtrankError(
        'data.split: expected validFrom and testFrom of the same kind (both numbers or both timestamps)',
      );
    const t = ident(TIME_COL);
    const lit = (v: string | number) => (numeric ? String(v) : `TRY_CAST(${sqlString(String(v))} AS TIMESTAMP)`);
    if (!numeric) {
      for (const k of ['validFrom', 'testFrom'] as const) {
        const ok = (await queryRow(c, `SELECT ${lit(s[k])} IS NOT NULL AS ok`)).ok;
        if (!ok) throw new MtrankError(`data.split.${k}: expected a number or a timestamp, got '${s[k]}'`);
      }
    }
    conds = [`${t} < ${lit(s.validFrom)}`, `${t} < ${lit(s.testFrom)}`];
  }
  // One copy that materialises rowid as __row (in a join-free query: DuckDB may mix up a view's rowid under
  // joins) and the split of each row (the first condition that holds, else the last split); the splits are views filtering it.
  const which = `CASE ${conds.map((k, i) => `WHEN ${k} THEN ${i}`).join(' ')} ELSE ${conds.length} END`;
  await c.run(
    `CREATE OR REPLACE TEMP TABLE __raw_split AS SELECT rowid AS __row, (${which})::UTINYINT AS __split, * FROM ${staged}`,
  );
  await c.run(`DROP TABLE ${staged}`);
  for (let i = 0; i < names.length; i++)
    await c.run(`CREATE OR REPLACE TEMP VIEW __raw_${names[i]} AS SELECT * FROM __raw_split WHERE __split = ${i}`);
}
