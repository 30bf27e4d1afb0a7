/**
 * Encode a staged raw table into column files, entirely in DuckDB (each kind's SQL, src/features/kinds/): one
 * ordered query for the one-id-per-row features, dense values, labels, group and item; one pair of queries per
 * list-of-ids feature. Result chunks are copied straight from DuckDB's vectors into the column writers.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ident, streamChunks, vectorItems, type DuckDBConnection } from '../util/duckdb.js';
import { ColumnWriter } from './columns.js';
import { categoricalSelect, denseKindOf, idsKindOf } from '../features/kinds/index.js';
import { labelExpr, textCol } from '../features/sql.js';
import { denseNames, vocabSize, type FittedCategorical, type PreprocessJson } from '../features/preprocessor.js';
import { Preprocessor } from '../features/preprocessor.js';
import type { StagedTable } from './stage.js';

/** Describes one split directory; stored in the cache manifest. */
export interface SplitManifest {
  rows: number;
  categorical: { name: string; vocabSize: number; dim: number; file: string }[];
  multi: {
    name: string;
    vocabSize: number;
    dim: number;
    pooling: 'mean' | 'sum';
    offsets: string;
    ids: string;
    count: number;
  }[];
  denseNames: string[];
  dense: string;
  labels: { task: string; file: string }[];
  group?: string;
  item?: string;
}

export interface EncodeOptions {
  withLabels: boolean;
  onChunk?: (rows: number) => void;
}

export async function encodeTable(
  c: DuckDBConnection,
  staged: StagedTable,
  pre: PreprocessJson,
  dir: string,
  opts: EncodeOptions,
): Promise<SplitManifest> {
  const rawTable = staged.table;
  mkdirSync(dir, { recursive: true });
  const p = new Preprocessor(pre);
  const cats = p.categoricalFeatures,
    denseFeatures = p.denseFeatures,
    labels = opts.withLabels ? pre.labels : [];
  const { exprs, joins } = categoricalSelect(cats);
  const dense = denseFeatures.flatMap((f) => denseKindOf(f).sqlDense(f));
  const select = [...exprs, ...dense, ...labels.map(labelExpr)];

  const groupF = pre.groupFeature ? p.feature(pre.groupFeature) : undefined;
  if (groupF) {
    const col = ident(textCol(groupF.column));
    joins.push(
      `LEFT JOIN (SELECT v, row_number() OVER (ORDER BY v)::INTEGER AS id FROM (SELECT DISTINCT ${col} AS v FROM ${rawTable} WHERE ${col} IS NOT NULL)) g ON r.${col} = g.v`,
    );
    select.push('COALESCE(g.id, 0)::INTEGER');
  }
  const itemF = pre.itemFeature ? (p.feature(pre.itemFeature) as FittedCategorical) : undefined;
  const itemIndex = itemF ? cats.findIndex((f) => f.name === itemF.name) : -1;
  if (itemF && itemIndex < 0) {
    const own = categoricalSelect([itemF], 'jitem');
    select.push(...own.exprs);
    joins.push(...own.joins);
  }

  const D = denseNames(pre.features).length;
  const catW = cats.map((_, i) => new ColumnWriter(join(dir, `cat.${i}.i32`), Int32Array));
  const denseW = new ColumnWriter(join(dir, 'dense.f32'), Float32Array, Math.max(1, D));
  const labelW = labels.map((_, i) => new ColumnWriter(join(dir, `label.${i}.u8`), Uint8Array));
  const groupW = groupF ? new ColumnWriter(join(dir, 'group.i32'), Int32Array) : undefined;
  const itemW = itemF ? new ColumnWriter(join(dir, 'item.i32'), Int32Array) : undefined;

  let rows = 0;
  if (select.length === 0) select.push('0::INTEGER');
  const sql = `SELECT ${select.join(', ')} FROM ${rawTable} r ${joins.join(' ')} ORDER BY r.${staged.order}`;
  await streamChunks(c, sql, (chunk, n) => {
    let col = 0;
    for (const w of catW) w.append(vectorItems(chunk, col++), n);
    if (itemW && itemIndex >= 0) itemW.append(vectorItems(chunk, itemIndex), n);
    for (let j = 0; j < D; j++) denseW.interleave(vectorItems(chunk, col++), n, j);
    denseW.endRows(D === 0 ? 0 : n);
    for (const w of labelW) w.append(vectorItems(chunk, col++), n);
    if (groupW) groupW.append(vectorItems(chunk, col++), n);
    if (itemW && itemIndex < 0) itemW.append(vectorItems(chunk, col++), n);
    rows += n;
    opts.onChunk?.(n);
  });
  for (const w of [...catW, denseW, ...labelW, groupW, itemW]) w?.close();

  const multi: SplitManifest['multi'] = [];
  for (const [i, f] of p.multiFeatures.entries()) {
    const q = idsKindOf(f).sqlIds(f, rawTable, staged.order);
    const offW = new ColumnWriter(join(dir, `multi.${i}.offsets.i32`), Int32Array);
    offW.append([0], 1);
    let total = 0;
    await streamChunks(c, q.lengths, (chunk, n) => {
      const len = vectorItems(chunk, 0),
        offs = new Int32Array(n);
      for (let r = 0; r < n; r++) {
        total += len[r];
        offs[r] = total;
      }
      offW.append(offs, n);
    });
    offW.close();
    const idW = new ColumnWriter(join(dir, `multi.${i}.ids.i32`), Int32Array);
    await streamChunks(c, q.ids, (chunk, n) => idW.append(vectorItems(chunk, 0), n));
    idW.close();
    multi.push({
      name: f.name,
      vocabSize: vocabSize(f),
      dim: f.dim,
      pooling: f.pooling,
      offsets: `multi.${i}.offsets.i32`,
      ids: `multi.${i}.ids.i32`,
      count: total,
    });
  }

  return {
    rows,
    categorical: cats.map((f, i) => ({ name: f.name, vocabSize: vocabSize(f), dim: f.dim, file: `cat.${i}.i32` })),
    multi,
    denseNames: denseNames(pre.features),
    dense: 'dense.f32',
    labels: labels.map((l, i) => ({ task: l.task, file: `label.${i}.u8` })),
    ...(groupW ? { group: 'group.i32' } : {}),
    ...(itemW ? { item: 'item.i32' } : {}),
  };
}
