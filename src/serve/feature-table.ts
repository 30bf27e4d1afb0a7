// Feature tables (`--features items.parquet:item_id`): rows keyed by one column, read once with DuckDB, so a
// request may send only ids. Fields sent in the request override the table's.
import { existsSync } from 'node:fs';
import type { DataConfig } from '../config/schema.js';
import { queryRows, withConnection } from '../util/duckdb.js';
import { expandSource, readerSql } from '../data/sources.js';
import { MtrankError } from '../util/errors.js';
import type { Row } from './ranker.js';

export interface FeatureTableSpec {
  path: string;
  key: string;
}

export interface FeatureTable extends FeatureTableSpec {
  rows: Map<string, Row>;
}

/** "items.parquet:item_id" → { path, key } (the key after the last colon). */
export function parseFeatureTableSpec(s: string): FeatureTableSpec {
  const at = s.lastIndexOf(':');
  if (at <= 0 || at === s.length - 1)
    throw new MtrankError(`--features ${s}: expected FILE:KEY_COLUMN (e.g. items.parquet:item_id)`);
  return { path: s.slice(0, at), key: s.slice(at + 1) };
}

export async function loadFeatureTable(spec: FeatureTableSpec, data: DataConfig): Promise<FeatureTable> {
  if (!existsSync(spec.path)) throw new MtrankError(`${spec.path}: feature table not found`);
  const rows = new Map<string, Row>();
  await withConnection(
    async (c) => {
      for (const f of await expandSource(c, spec.path, data)) {
        const got = await queryRows(c, `SELECT * FROM ${readerSql(f)}`);
        if (got.length && !(spec.key in got[0]!))
          throw new MtrankError(`${f.path}: no column '${spec.key}' (the key given after ':' in --features)`);
        for (const r of got) {
          const k = r[spec.key];
          if (k !== null && k !== undefined) rows.set(String(k), r);
        }
      }
    },
    { threads: 1 },
  );
  return { ...spec, rows };
}

/** The request row on top of the tables' rows for its keys (each table looked up by the request's key value). */
export function withTableFields(tables: readonly FeatureTable[], row: Row): Row {
  if (tables.length === 0) return row;
  let merged: Row = {};
  for (const t of tables) {
    const k = row[t.key];
    const hit = k === null || k === undefined ? undefined : t.rows.get(String(k));
    if (hit) merged = { ...merged, ...hit };
  }
  return { ...merged, ...row };
}
