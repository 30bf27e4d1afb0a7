/**
 * Batching: seeded shuffled row indices over an in-memory split (the trainer gathers rows per batch), a
 * gather that copies batch rows into a small split, and streaming from the on-disk column files for splits
 * larger than memory (random chunk order + a shuffle buffer) — what training does with a training split above
 * data.memoryLimitMb.
 */
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '../util/rng.js';
import { readColumn, readInto } from './columns.js';
import type { SplitManifest } from './encode.js';
import type { EncodedData } from './prepare.js';
import type { EncodedSplit, SplitName } from './types.js';

/**
 * Row-index batches over `rows` (a split or a row count). With an rng, one fresh permutation per call (call
 * once per epoch); without, rows in order. The yielded arrays are views into one permutation: copy to keep.
 */
export function* batches(
  split: EncodedSplit | number,
  batchSize: number,
  rng?: Rng,
  opts: { dropLast?: boolean } = {},
): Generator<Int32Array> {
  const rows = typeof split === 'number' ? split : split.rows;
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  if (rng) rng.shuffle(order);
  for (let start = 0; start < rows; start += batchSize) {
    const end = Math.min(rows, start + batchSize);
    if (opts.dropLast && end - start < batchSize) return;
    yield order.subarray(start, end);
  }
}

/** Copy the given rows of a split into a new, small split (same columns, same order as `rows`). */
export function selectRows(split: EncodedSplit, rows: ArrayLike<number>): EncodedSplit {
  const n = rows.length,
    D = split.denseNames.length;
  const pick = <T extends Int32Array | Uint8Array>(src: T, make: (n: number) => T): T => {
    const out = make(n);
    for (let i = 0; i < n; i++) out[i] = src[rows[i]];
    return out;
  };
  const dense = new Float32Array(n * D);
  for (let i = 0; i < n; i++) dense.set(split.dense.subarray(rows[i] * D, rows[i] * D + D), i * D);
  const out: EncodedSplit = {
    rows: n,
    categorical: split.categorical.map((c) => ({ ...c, ids: pick(c.ids, (k) => new Int32Array(k)) })),
    multi: split.multi.map((m) => {
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + m.offsets[rows[i] + 1] - m.offsets[rows[i]];
      const ids = new Int32Array(offsets[n]);
      for (let i = 0; i < n; i++) ids.set(m.ids.subarray(m.offsets[rows[i]], m.offsets[rows[i] + 1]), offsets[i]);
      return { ...m, offsets, ids };
    }),
    dense,
    denseNames: split.denseNames,
    labels: Object.fromEntries(Object.entries(split.labels).map(([t, l]) => [t, pick(l, (k) => new Uint8Array(k))])),
  };
  if (split.group) out.group = pick(split.group, (k) => new Int32Array(k));
  if (split.item) out.item = pick(split.item, (k) => new Int32Array(k));
  return out;
}

/** Read rows [start, start+count) of a split directory into memory. */
export function readRows(dir: string, m: SplitManifest, start: number, count: number): EncodedSplit {
  const read = <T extends Int32Array | Float32Array | Uint8Array>(file: string, out: T, firstElement: number): T => {
    const fd = openSync(join(dir, file), 'r');
    try {
      if (out.length) readInto(fd, out, firstElement * out.BYTES_PER_ELEMENT);
    } finally {
      closeSync(fd);
    }
    return out;
  };
  const D = m.denseNames.length;
  const out: EncodedSplit = {
    rows: count,
    categorical: m.categorical.map((c) => ({
      name: c.name,
      vocabSize: c.vocabSize,
      dim: c.dim,
      ids: read(c.file, new Int32Array(count), start),
    })),
    multi: m.multi.map((x) => {
      const offsets = read(x.offsets, new Int32Array(count + 1), start);
      const base = offsets[0];
      const ids = read(x.ids, new Int32Array(offsets[count] - base), base);
      for (let i = 0; i <= count; i++) offsets[i] -= base;
      return { name: x.name, vocabSize: x.vocabSize, dim: x.dim, pooling: x.pooling, offsets, ids };
    }),
    dense: D ? read(m.dense, new Float32Array(count * D), start * D) : new Float32Array(0),
    denseNames: m.denseNames,
    labels: Object.fromEntries(m.labels.map((l) => [l.task, read(l.file, new Uint8Array(count), start)])),
  };
  if (m.group) out.group = read(m.group, new Int32Array(count), start);
  if (m.item) out.item = read(m.item, new Int32Array(count), start);
  return out;
}

/** Concatenate splits with the same columns. */
export function concatSplits(parts: EncodedSplit[]): EncodedSplit {
  const all = parts.reduce((s, p) => s + p.rows, 0);
  const first = parts[0];
  const out = selectRows(first, []); // the column shapes, no rows
  out.rows = all;
  const cat = <T extends Int32Array | Uint8Array | Float32Array>(
    get: (p: EncodedSplit) => T,
    make: (n: number) => T,
  ): T => {
    const n = parts.reduce((s, p) => s + get(p).length, 0),
      o = make(n);
    let at = 0;
    for (const p of parts) {
      o.set(get(p) as never, at);
      at += get(p).length;
    }
    return o;
  };
  out.categorical = first.categorical.map((c, j) => ({
    ...c,
    ids: cat(
      (p) => p.categorical[j].ids,
      (n) => new Int32Array(n),
    ),
  }));
  out.multi = first.multi.map((m, j) => {
    const ids = cat(
      (p) => p.multi[j].ids,
      (n) => new Int32Array(n),
    );
    const offsets = new Int32Array(all + 1);
    let row = 0,
      base = 0;
    for (const p of parts) {
      const o = p.multi[j].offsets;
      for (let i = 1; i <= p.rows; i++) offsets[row + i] = base + o[i];
      row += p.rows;
      base += o[p.rows];
    }
    return { ...m, ids, offsets };
  });
  out.dense = cat(
    (p) => p.dense,
    (n) => new Float32Array(n),
  );
  out.labels = Object.fromEntries(
    Object.keys(first.labels).map((t) => [
      t,
      cat(
        (p) => p.labels[t],
        (n) => new Uint8Array(n),
      ),
    ]),
  );
  if (first.value) {
    out.value = new Float64Array(all);
    let at = 0;
    for (const p of parts) {
      out.value.set(p.value!, at);
      at += p.rows;
    }
  }
  if (first.group)
    out.group = cat(
      (p) => p.group!,
      (n) => new Int32Array(n),
    );
  if (first.item)
    out.item = cat(
      (p) => p.item!,
      (n) => new Int32Array(n),
    );
  return out;
}

export interface StreamOptions {
  /** Consecutive rows read at a time (default 65536). */
  chunkRows?: number;
  /** Rows held and shuffled together, about (default 262144): the memory a stream needs. */
  bufferRows?: number;
}

/** A split's column files on disk, read chunk by chunk. */
export interface DiskSplit {
  dir: string;
  manifest: SplitManifest;
  chunkRows: number;
  bufferRows: number;
}

/**
 * A cached split that training streams from disk instead of loading (data.memoryLimitMb). Only the one-value-per-row
 * label and item columns are loaded whole: label weights need the label rates, the cold-start report the items.
 */
export interface StreamedSplit extends DiskSplit {
  rows: number;
  labels: Record<string, Uint8Array>;
  item?: Int32Array;
}

/** A batch as row indices into a split (a view: use it before asking for the next batch). */
export interface RowBatch {
  split: EncodedSplit;
  rows: Int32Array;
}

function diskSplit(dir: string, manifest: SplitManifest, opts: StreamOptions): DiskSplit {
  return { dir, manifest, chunkRows: opts.chunkRows ?? 65536, bufferRows: opts.bufferRows ?? 262144 };
}

/** Open a cached split for streaming (its label and item columns are read now). */
export function openStreamedSplit(data: EncodedData, split: SplitName, opts: StreamOptions = {}): StreamedSplit {
  const m = data.manifest.splits[split];
  if (!m) throw new Error(`openStreamedSplit: the cache has no ${split} split`);
  const dir = join(data.dir, split);
  const labels = Object.fromEntries(m.labels.map((l) => [l.task, readColumn(join(dir, l.file), Uint8Array)]));
  return {
    ...diskSplit(dir, m, opts),
    rows: m.rows,
    labels,
    ...(m.item ? { item: readColumn(join(dir, m.item), Int32Array) } : {}),
  };
}

/**
 * One pass over a split on disk: chunks of `chunkRows` consecutive rows in `chunkRng` order fill a buffer of about
 * `bufferRows` rows, `rowRng` shuffles the buffer's rows and they are cut into batches; the remainder of a buffer
 * (fewer than batchSize rows) is carried into the next one. Every row comes once; all batches but the last are
 * full. With a single chunk the order is exactly `rowRng`'s shuffle of 0..rows-1. Memory ≈ bufferRows rows.
 */
export function* streamRows(s: DiskSplit, batchSize: number, chunkRng: Rng, rowRng: Rng): Generator<RowBatch> {
  const m = s.manifest;
  const bufferRows = Math.max(s.bufferRows, batchSize);
  const chunks = chunkRng.shuffle(Int32Array.from({ length: Math.ceil(m.rows / s.chunkRows) }, (_, i) => i));
  let carry: EncodedSplit | null = null;
  let next = 0;
  while (next < chunks.length) {
    const parts: EncodedSplit[] = carry ? [carry] : [];
    let held = carry?.rows ?? 0;
    while (next < chunks.length && held < bufferRows) {
      const start = chunks[next++] * s.chunkRows,
        count = Math.min(s.chunkRows, m.rows - start);
      parts.push(readRows(s.dir, m, start, count));
      held += count;
    }
    const buffer = parts.length === 1 ? parts[0] : concatSplits(parts);
    const order = rowRng.shuffle(Int32Array.from({ length: buffer.rows }, (_, i) => i));
    let at = 0;
    for (; at + batchSize <= buffer.rows; at += batchSize)
      yield { split: buffer, rows: order.subarray(at, at + batchSize) };
    carry = at < buffer.rows ? selectRows(buffer, order.subarray(at)) : null;
  }
  if (carry) yield { split: carry, rows: Int32Array.from({ length: carry.rows }, (_, i) => i) };
}

/** The given rows (ascending) of a split on disk, read chunk by chunk into one small split. */
export function readRowsAt(s: DiskSplit, rows: Int32Array): EncodedSplit {
  const parts: EncodedSplit[] = [];
  for (let i = 0; i < rows.length;) {
    const start = Math.floor(rows[i] / s.chunkRows) * s.chunkRows,
      end = Math.min(start + s.chunkRows, s.manifest.rows);
    const local: number[] = [];
    for (; i < rows.length && rows[i] < end; i++) local.push(rows[i] - start);
    parts.push(selectRows(readRows(s.dir, s.manifest, start, end - start), local));
  }
  return parts.length ? concatSplits(parts) : readRows(s.dir, s.manifest, 0, 0);
}

/**
 * Batches of a cached split read from disk (streamRows with one seeded rng), copied out as small splits:
 * for loops over data larger than memory outside the trainer. Memory ≈ bufferRows rows.
 */
export async function* streamBatches(
  data: EncodedData,
  split: SplitName,
  batchSize: number,
  rng: Rng,
  opts: StreamOptions = {},
): AsyncGenerator<EncodedSplit> {
  const m = data.manifest.splits[split];
  if (!m || m.rows === 0) return;
  for (const b of streamRows(diskSplit(join(data.dir, split), m, opts), batchSize, rng, rng))
    yield selectRows(b.split, b.rows);
}
