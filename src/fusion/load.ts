/**
 * Reads per-task scores, labels and an optional group column from a CSV or Parquet file through DuckDB, straight
 * into typed arrays. Column names come from templates ('p_{task}', 'y_{task}' by default — the predictions file
 * contract). A label of MISSING_LABEL (255) marks a row without that task's label (label.missing in training).
 * Bad values are errors naming the file, the line (CSV) or row, and the column.
 */
import { existsSync } from 'node:fs';
import { MISSING_LABEL } from '../data/types.js';
import { MtrankError, placeMessage } from '../util/errors.js';
import { ident, queryRow, queryRows, sqlString, streamChunks, vectorItems, withConnection } from '../util/duckdb.js';
import type { ScoreSplit } from './fuse.js';

export interface ColumnNames {
  /** Score column template; {task} is replaced by the task name. */
  score: string;
  label: string;
  /** Group column (used when present; required for GAUC). */
  group: string;
}

export const DEFAULT_COLUMNS: ColumnNames = { score: 'p_{task}', label: 'y_{task}', group: 'group' };

function source(path: string): string {
  const fn = /\.parquet$/i.test(path) ? 'read_parquet' : 'read_csv';
  return fn === 'read_csv' ? `read_csv(${sqlString(path)}, header = true)` : `read_parquet(${sqlString(path)})`;
}

const column = (template: string, task: string): string => template.split('{task}').join(task);

/** Task names found in the file: columns matching the score template that also have a label column. */
export async function detectTasks(path: string, names: ColumnNames = DEFAULT_COLUMNS): Promise<string[]> {
  const cols = await fileColumns(path);
  const [pre, post] = names.score.split('{task}');
  if (post === undefined) throw new MtrankError(`fuse: score column template '${names.score}' has no {task}`);
  const tasks = cols
    .filter((c) => c.startsWith(pre) && c.endsWith(post) && c.length > pre.length + post.length)
    .map((c) => c.slice(pre.length, c.length - post.length))
    .filter((t) => cols.includes(column(names.label, t)));
  if (tasks.length === 0)
    throw new MtrankError(
      `fuse: ${path}: no task columns found (expected ${column(names.score, '<task>')} with ${column(names.label, '<task>')}; columns: ${cols.join(', ')})`,
    );
  return tasks;
}

async function fileColumns(path: string): Promise<string[]> {
  if (!existsSync(path)) throw new MtrankError(`fuse: ${path}: no such file`);
  return withConnection(
    async (c) => (await queryRows(c, `DESCRIBE SELECT * FROM ${source(path)}`)).map((r) => String(r.column_name)),
    { threads: 2 },
  );
}

export async function readScores(
  path: string,
  tasks: string[],
  names: ColumnNames = DEFAULT_COLUMNS,
  needGroup = false,
  valueCol?: string,
): Promise<ScoreSplit> {
  const cols = await fileColumns(path);
  const want = tasks.flatMap((t) => [column(names.score, t), column(names.label, t)]);
  if (valueCol !== undefined) want.push(valueCol); // last: read like a score column, checked ≥ 0 below
  for (const c of want)
    if (!cols.includes(c))
      throw new MtrankError(placeMessage({ file: path, column: c }, `missing column (columns: ${cols.join(', ')})`));
  const hasGroup = cols.includes(names.group);
  if (needGroup && !hasGroup)
    throw new MtrankError(placeMessage({ file: path, column: names.group }, 'missing group column (needed for GAUC)'));
  const csv = !/\.parquet$/i.test(path);
  return withConnection(
    async (c) => {
      await c.run(`CREATE TEMP TABLE src AS SELECT *, row_number() OVER () - 1 AS __row FROM ${source(path)}`);
      const rows = Number((await queryRow(c, 'SELECT count(*) AS n FROM src')).n);
      if (rows === 0) throw new MtrankError(`fuse: ${path}: no rows`);
      const select = want.map((w) => `coalesce(TRY_CAST(${ident(w)} AS DOUBLE), 'NaN'::DOUBLE)`);
      let from = 'src';
      if (hasGroup) {
        // Dense integer ids for any group type (strings, big ints), numbered in sorted order.
        await c.run(
          `CREATE TEMP TABLE gid AS SELECT g, (row_number() OVER (ORDER BY g) - 1)::INTEGER AS id FROM (SELECT DISTINCT ${ident(names.group)} AS g FROM src)`,
        );
        select.push('coalesce(gid.id, -1)');
        from = `src LEFT JOIN gid ON src.${ident(names.group)} IS NOT DISTINCT FROM gid.g`;
      }
      const data = want.map(() => new Float64Array(rows));
      const group = hasGroup ? new Int32Array(rows) : undefined;
      let offset = 0;
      await streamChunks(c, `SELECT ${select.join(', ')} FROM ${from} ORDER BY __row`, (chunk, n) => {
        data.forEach((d, k) => d.set(vectorItems(chunk, k).subarray(0, n), offset));
        if (group) group.set(vectorItems(chunk, want.length).subarray(0, n) as Int32Array, offset);
        offset += n;
      });
      const where = (r: number, col: string) =>
        placeMessage(csv ? { file: path, line: r + 2, column: col } : { file: path, row: r + 1, column: col }, '');
      let value: Float64Array | undefined;
      if (valueCol !== undefined) {
        value = data[want.length - 1];
        for (let r = 0; r < rows; r++)
          if (!(Number.isFinite(value[r]) && value[r] >= 0))
            throw new MtrankError(
              `${where(r, valueCol)}value must be a finite number ≥ 0, got ${Number.isNaN(value[r]) ? 'an empty or non-numeric value' : value[r]}`,
            );
      }
      const scores: Float64Array[] = [],
        labels: Uint8Array[] = [];
      tasks.forEach((t, i) => {
        const s = data[2 * i],
          y = data[2 * i + 1],
          sc = want[2 * i],
          lc = want[2 * i + 1];
        for (let r = 0; r < rows; r++)
          if (!Number.isFinite(s[r])) throw new MtrankError(`${where(r, sc)}score is missing or not a finite number`);
        const labelBytes = new Uint8Array(rows);
        for (let r = 0; r < rows; r++) {
          if (y[r] !== 0 && y[r] !== 1 && y[r] !== MISSING_LABEL)
            throw new MtrankError(
              `${where(r, lc)}label must be 0, 1 or ${MISSING_LABEL} (missing), got ${Number.isNaN(y[r]) ? 'an empty or non-numeric value' : y[r]}`,
            );
          labelBytes[r] = y[r];
        }
        scores.push(s);
        labels.push(labelBytes);
      });
      return { source: path, rows, scores, labels, group, ...(value ? { value } : {}) };
    },
    { threads: 2 },
  );
}
