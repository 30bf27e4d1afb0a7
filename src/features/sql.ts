/**
 * What the SQL encoders share: staged column names, literals, vocabulary tables (small tables joined to the raw
 * rows), hashing and labels. Each kind's own SQL lives in src/features/kinds/<kind>.ts beside its JS twin.
 */
import { ident, sqlString, type DuckDBConnection } from '../util/duckdb.js';
import type { FittedLabel, PreprocessJson } from './preprocessor.js';

/** A double literal that parses to exactly the JS number. */
export function dbl(x: number): string {
  return `${sqlString(String(x))}::DOUBLE`;
}

export function vocabTable(f: { name: string }): string {
  return ident(`__vocab_${f.name}`);
}

/** (Re)create the vocabulary tables of a preprocessor (used when encoding with a loaded artifact). */
export async function registerVocabularies(c: DuckDBConnection, pre: PreprocessJson): Promise<void> {
  for (const f of pre.features) {
    if (!('vocab' in f) || !f.vocab) continue;
    await c.run(`CREATE OR REPLACE TABLE ${vocabTable(f)} (v VARCHAR, id INTEGER)`);
    await appendVocabulary(c, f, f.vocab, 1);
  }
}

/** Add tokens to a feature's vocabulary table with ids firstId, firstId+1, ... */
export async function appendVocabulary(
  c: DuckDBConnection,
  f: { name: string },
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
