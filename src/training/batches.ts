import type { EncodedSplit } from '../data/types.js';
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
