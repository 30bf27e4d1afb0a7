import type { EncodedSplit } from '../data/types.js';
import { readRows, readRowsAt, streamRows, type RowBatch, type StreamedSplit } from '../data/batches.js';
import type { FeatureBatch } from '../models/layers.js';
import type { Allocator } from '../engine/memory.js';
import { Rng } from '../util/rng.js';

export interface Batch extends FeatureBatch {
  /** Per task (in task order), 0/1. */
  labels: Uint8Array[];
}

/**
 * The row order of one epoch: a shuffle drawn from the run seed and the epoch number alone, so a resumed
 * run sees exactly the batches an uninterrupted one would.
 */
export function epochOrder(rows: number, seed: number, epoch: number): Int32Array {
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  return new Rng(seed).fork(`shuffle/${epoch}`).shuffle(order);
}

/** The training rows: in memory, or streamed from the on-disk cache (a split above data.memoryLimitMb). */
export type TrainSplit = EncodedSplit | StreamedSplit;

export function isStreamed(s: TrainSplit): s is StreamedSplit {
  return 'manifest' in s;
}

/**
 * The batches of one epoch from batch `from` on. In memory: slices of `epochOrder`. Streamed: chunks in a seeded
 * order through a shuffle buffer (src/data/batches.ts streamRows), so the order differs from the in-memory one
 * unless one chunk holds every row — then the buffer's shuffle is `epochOrder` itself and training is identical.
 * Either way the order depends on the seed and the epoch alone, so a resume skips to exactly the same batch.
 */
export function* epochBatches(
  train: TrainSplit,
  seed: number,
  epoch: number,
  batchSize: number,
  from: number,
): Generator<RowBatch> {
  if (!isStreamed(train)) {
    const order = epochOrder(train.rows, seed, epoch);
    for (let s = from * batchSize; s < train.rows; s += batchSize)
      yield { split: train, rows: order.subarray(s, Math.min(train.rows, s + batchSize)) };
    return;
  }
  const chunkRng = new Rng(seed).fork(`chunks/${epoch}`),
    rowRng = new Rng(seed).fork(`shuffle/${epoch}`);
  let k = 0;
  for (const b of streamRows(train, batchSize, chunkRng, rowRng)) if (k++ >= from) yield b;
}

/** The training split's columns (no rows, when streamed): what the model's input layer is built from. */
export function trainColumns(train: TrainSplit): EncodedSplit {
  return isStreamed(train) ? readRows(train.dir, train.manifest, 0, 0) : train;
}

/** The training rows scored at each evaluation (ascending): rows of the split in memory, or read from disk once. */
export function trainSample(train: TrainSplit, rows: Int32Array): { split: EncodedSplit; rows?: Int32Array } {
  return isStreamed(train) ? { split: readRowsAt(train, rows) } : { split: train, rows };
}

/** The rows `idx` of a split, copied into `alloc` memory (the engine's scratch on the hot path). */
export function gatherBatch(split: EncodedSplit, idx: Int32Array, tasks: readonly string[], alloc: Allocator): Batch {
  const B = idx.length;
  const categorical = split.categorical.map((c) => {
    const ids = alloc.i32(B);
    for (let i = 0; i < B; i++) ids[i] = c.ids[idx[i]!]!;
    return ids;
  });
  const multi = split.multi.map((m) => {
    const offsets = alloc.i32(B + 1);
    let n = 0;
    for (let i = 0; i < B; i++) {
      offsets[i] = n;
      n += m.offsets[idx[i]! + 1]! - m.offsets[idx[i]!]!;
    }
    offsets[B] = n;
    const ids = alloc.i32(Math.max(n, 1));
    for (let i = 0; i < B; i++) ids.set(m.ids.subarray(m.offsets[idx[i]!]!, m.offsets[idx[i]! + 1]!), offsets[i]!);
    return { offsets, ids: ids.subarray(0, n) };
  });
  const D = split.denseNames.length;
  let dense: Float32Array | null = null;
  if (D > 0) {
    dense = alloc.f32(B * D);
    for (let i = 0; i < B; i++) dense.set(split.dense.subarray(idx[i]! * D, idx[i]! * D + D), i * D);
  }
  const labels = tasks.map((t) => {
    const src = split.labels[t]!,
      y = new Uint8Array(B);
    for (let i = 0; i < B; i++) y[i] = src[idx[i]!]!;
    return y;
  });
  return { rows: B, categorical, multi, dense, labels };
}

/** Consecutive row ranges [start, end) of at most `size` rows (for evaluation and prediction). */
export function* ranges(rows: number, size: number): Generator<[number, number]> {
  for (let s = 0; s < rows; s += size) yield [s, Math.min(rows, s + size)];
}
