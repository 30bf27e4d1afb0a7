/**
 * The embedded DuckDB used for reading and encoding: one in-memory instance per job, SQL quoting helpers,
 * and a fast path that copies result columns chunk by chunk straight into typed arrays.
 */
import type { DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

export type { DuckDBConnection };

export interface DuckOptions {
  threads?: number;
  tempDir?: string;
}

/** Run `fn` with a connection to a fresh in-memory database (spills to a temp dir when data exceeds memory). */
export async function withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>, opts: DuckOptions = {}): Promise<T> {
  // The native module is loaded on first use, not with this file: a run on cached data never needs it (~0.4 CPU s).
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(opts.threads ?? availableParallelism()),
    // Per process: concurrent jobs must not share DuckDB's spill files.
    temp_directory: opts.tempDir ?? join(tmpdir(), `mtrank-duckdb-${process.pid}`),
    preserve_insertion_order: 'true',
  });
  const c = await instance.connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
/** A SQL identifier (column or table name). */
export function ident(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}
/** A SQL list literal of strings. */
export function sqlList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}

/** First row of a query as a plain JS object (BigInt → number). */
export async function queryRow(c: DuckDBConnection, sql: string): Promise<Record<string, unknown>> {
  return (await queryRows(c, sql))[0] ?? {};
}

/** All rows of a (small) query as plain JS objects (BigInt → number). */
export async function queryRows(c: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const r = await c.runAndReadAll(sql);
  return r.getRowObjectsJS().map((row) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) o[k] = typeof v === 'bigint' ? Number(v) : v;
    return o;
  });
}

/** The typed array a fixed-width DuckDB vector holds (INTEGER → Int32Array, FLOAT → Float32Array, UTINYINT → Uint8Array). */
export function vectorItems(
  chunk: DuckDBDataChunk,
  column: number,
): Int32Array | Float32Array | Uint8Array | Float64Array {
  const v = chunk.getColumnVector(column) as unknown as {
    items?: Int32Array | Float32Array | Uint8Array | Float64Array;
  };
  if (!v.items || !ArrayBuffer.isView(v.items)) throw new Error(`column ${column} is not a fixed-width vector`);
  return v.items;
}

/** Stream a query's result chunks (about 2048 rows each) to `onChunk` without materialising it. */
export async function streamChunks(
  c: DuckDBConnection,
  sql: string,
  onChunk: (chunk: DuckDBDataChunk, rows: number) => void | Promise<void>,
): Promise<number> {
  const result = await c.stream(sql);
  let total = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    await onChunk(chunk, chunk.rowCount);
    total += chunk.rowCount;
  }
  return total;
}

/** Runs `fn` with DuckDB on one thread, then restores the connection's thread count. */
export async function onOneThread<T>(c: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  const { threads } = await queryRow(c, `SELECT current_setting('threads') AS threads`);
  await c.run('SET threads = 1');
  try {
    return await fn();
  } finally {
    await c.run(`SET threads = ${Number(threads)}`);
  }
}
