/**
 * Encoding in DuckDB: the SQL twin of `Preprocessor.encodeRow`. Vocabularies become small tables joined to
 * the raw rows; numerics and buckets are column expressions; multi-categorical tokens are unnested and joined.
 * Every formula here must match src/features/preprocessor.ts operation for operation.
 */
import { ident, sqlString, type DuckDBConnection } from '../util/duckdb.js';
import type {
  FittedBucketize,
  FittedCategorical,
  FittedFeature,
  FittedLabel,
  FittedMulti,
  FittedNumeric,
  PreprocessJson,
} from './preprocessor.js';

/** A double literal that parses to exactly the JS number. */
export function dbl(x: number): string {
  return `${sqlString(String(x))}::DOUBLE`;
}

export function vocabTable(f: FittedFeature): string {
  return ident(`__vocab_${f.name}`);
}

/** (Re)create the vocabulary tables of a preprocessor (used when encoding with a loaded artifact). */
export async function registerVocabularies(c: DuckDBConnection, pre: PreprocessJson): Promise<void> {
  for (const f of pre.features) {
    if ((f.kind !== 'categorical' && f.kind !== 'multi') || !f.vocab) continue;
    await c.run(`CREATE OR REPLACE TABLE ${vocabTable(f)} (v VARCHAR, id INTEGER)`);
    await appendVocabulary(c, f, f.vocab, 1);
  }
}

/** Add tokens to a feature's vocabulary table with ids firstId, firstId+1, ... */
export async function appendVocabulary(
  c: DuckDBConnection,
  f: FittedFeature,
  tokens: readonly string[],
  firstId: number,
): Promise<void> {
  const a = await c.createAppender(`__vocab_${f.name}`);
  tokens.forEach((v, i) => {
    a.appendVarchar(v);
    a.appendInteger(firstId + i);
    a.endRow();
  });
  a.closeSync();
}

/** Staged column names (src/data/stage.ts): text, parsed numbers, 0/1 labels, the time, bad-value notes. */
export const textCol = (column: string) => `c:${column}`;
export const numCol = (column: string) => `n:${column}`;
export const labelCol = (task: string) => `l:${task}`;
export const badCol = (staged: string) => `bad:${staged}`;
export const TIME_COL = 't:time';

/** The staged number (NULL = missing; bad values were rejected or skipped at staging). */
const asDouble = (column: string) => `r.${ident(numCol(column))}`;

export function numericExpr(f: FittedNumeric): string {
  const x = `COALESCE(${asDouble(f.column)}, ${dbl(f.default)})`;
  const g = f.transform === 'log-standardize' ? `(sign(${x}) * ln(1 + abs(${x})))` : x;
  return `((${g} - ${dbl(f.shift)}) / ${dbl(f.scale)})::FLOAT`;
}

export function missingExpr(f: FittedNumeric): string {
  return `(${asDouble(f.column)} IS NULL)::INTEGER::FLOAT`;
}

export function bucketExpr(f: FittedBucketize): string {
  const x = asDouble(f.column);
  if (f.boundaries.length === 0) return `(CASE WHEN ${x} IS NULL THEN 0 ELSE 1 END)::INTEGER`;
  // Boundaries are sorted, so the first boundary above x gives the bucket.
  const whens = f.boundaries.map((b, i) => `WHEN ${x} < ${dbl(b)} THEN ${i + 1}`).join(' ');
  return `(CASE WHEN ${x} IS NULL THEN 0 ${whens} ELSE ${f.boundaries.length + 1} END)::INTEGER`;
}

export function hashExpr(value: string, buckets: number): string {
  return `(CASE WHEN ${value} IS NULL THEN 0 ELSE 1 + md5_number_lower(${value}) % ${buckets} END)::INTEGER`;
}

/** Labels are staged as 0/1 already. */
export function labelExpr(l: FittedLabel): string {
  return `r.${ident(labelCol(l.task))}`;
}

/** The accepted values of a plain 0/1 label column, and those meaning 1. */
export const BINARY_LABEL_VALUES = ['0', '1', '0.0', '1.0', 'true', 'false', 'True', 'False', 'TRUE', 'FALSE'];
export const POSITIVE_LABEL_VALUES = ['1', '1.0', 'true', 'True', 'TRUE'];

/** Tokens of a multi-categorical cell: split, drop empty tokens, keep the first maxLength. */
export function tokensExpr(f: FittedMulti, table = 'r'): string {
  return `list_slice(list_filter(string_split(${table}.${ident(textCol(f.column))}, ${sqlString(f.separator)}), t -> t <> ''), 1, ${f.maxLength})`;
}

/** SELECT list + joins that encode the one-id-per-row features of a raw table `r`. */
export function categoricalSelect(
  features: (FittedCategorical | FittedBucketize)[],
  aliasPrefix = 'j',
): { exprs: string[]; joins: string[] } {
  const exprs: string[] = [],
    joins: string[] = [];
  features.forEach((f, i) => {
    if (f.kind === 'bucketize') {
      exprs.push(bucketExpr(f));
      return;
    }
    const col = `r.${ident(textCol(f.column))}`;
    if (f.hashBuckets !== undefined) {
      exprs.push(hashExpr(col, f.hashBuckets));
      return;
    }
    const alias = `${aliasPrefix}${i}`;
    joins.push(`LEFT JOIN ${vocabTable(f)} ${alias} ON ${col} = ${alias}.v`);
    exprs.push(`COALESCE(${alias}.id, 0)::INTEGER`);
  });
  return { exprs, joins };
}

/** Query giving, per row in `order`, the number of tokens; and one giving the token ids in the same order. */
export function multiQueries(f: FittedMulti, rawTable: string, order: string): { lengths: string; ids: string } {
  const lengths = `SELECT COALESCE(len(${tokensExpr(f)}), 0)::INTEGER FROM ${rawTable} r ORDER BY r.${order}`;
  const tokens = `SELECT r.${order} AS __k, unnest(${tokensExpr(f)}) AS tok, generate_subscripts(${tokensExpr(f)}, 1) AS pos FROM ${rawTable} r`;
  const id = f.hashBuckets !== undefined ? hashExpr('t.tok', f.hashBuckets) : 'COALESCE(v.id, 0)::INTEGER';
  const join = f.hashBuckets !== undefined ? '' : `LEFT JOIN ${vocabTable(f)} v ON t.tok = v.v`;
  const ids = `SELECT ${id} FROM (${tokens}) t ${join} ORDER BY t.__k, t.pos`;
  return { lengths, ids };
}
