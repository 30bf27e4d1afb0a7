// What the vocabulary kinds (categorical, multi) share: fitting a vocabulary table, and value → id by vocabulary
// or hash.
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '../../util/duckdb.js';
import { vocabTable } from '../sql.js';

/** The fitted keys of the vocabulary kinds (categorical, multi). */
export interface VocabularyFitted {
  name: string;
  /** Embedding size. */
  dim: number;
  /** vocab[i] has id i+1 (0 = OOV/missing). Absent when hashing. */
  vocab?: string[];
  hashBuckets?: number;
}

/** Build the vocabulary table (value → id, 1-based, most frequent first) and return its values in id order. */
export async function fitVocabulary(
  c: DuckDBConnection,
  name: string,
  values: string,
  minCount: number,
  maxSize?: number,
): Promise<string[]> {
  const table = vocabTable({ name });
  const limit = maxSize !== undefined ? `QUALIFY id <= ${maxSize}` : '';
  await c.run(`CREATE OR REPLACE TABLE ${table} AS
    SELECT v, row_number() OVER (ORDER BY n DESC, v)::INTEGER AS id
    FROM (SELECT v, count(*) AS n FROM (${values}) WHERE v IS NOT NULL GROUP BY v HAVING count(*) >= ${minCount})
    ${limit}`);
  const r = await c.runAndReadAll(`SELECT v FROM ${table} ORDER BY id`);
  return r.getColumnsJS()[0]?.map(String) ?? [];
}

/** Embedding rows: the vocabulary or the hash buckets, plus the OOV slot 0. */
export function vocabularyRows(f: VocabularyFitted): number {
  return f.hashBuckets !== undefined ? f.hashBuckets + 1 : f.vocab!.length + 1;
}

export function categoricalId(f: VocabularyFitted, v: string | null, lookup: Map<string, number> | null): number {
  if (v === null) return 0;
  if (f.hashBuckets !== undefined) return hashBucket(v, f.hashBuckets);
  return lookup!.get(v) ?? 0;
}

/** 1 + (low 64 bits of md5(v)) mod n — the same as DuckDB's `1 + md5_number_lower(v) % n`. */
export function hashBucket(v: string, n: number): number {
  const digest = createHash('md5').update(v, 'utf8').digest();
  return 1 + Number(digest.readBigUInt64LE(8) % BigInt(n));
}
