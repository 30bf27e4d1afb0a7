import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { buildSequences } from '../../src/pretrain/sequences.js';
import { trainItem2vec, balancedShards } from '../../src/pretrain/item2vec.js';
import { keepProbabilities, unigramTable } from '../../src/pretrain/sgns.js';
import { nnPurity, plantedLog } from './helpers.js';

const planted = plantedLog({ clusters: 8, itemsPerCluster: 15, users: 240, length: 30, noise: 0.1, seed: 3 });

function purityOf(vectors: { tokens: string[]; dim: number; data: Float32Array }): number {
  const labels = vectors.tokens.map((t) => planted.clusterOfItem(Number(t.slice(1))));
  return nnPurity(vectors.data, vectors.dim, labels);
}

describe('behaviour sequences', () => {
  it('groups by user, orders by time, orders the vocabulary by frequency and drops rare items', () => {
    const s = buildSequences(
      { users: ['a', 'b', 'a', 'a', 'b'], items: ['x', 'y', 'z', 'y', 'q'], time: [3, 1, 1, 2, 0] },
      2,
    );
    expect(s.vocab).toEqual(['y']); // y twice; x, z, q once
    const full = buildSequences({
      users: ['a', 'b', 'a', 'a', 'b'],
      items: ['x', 'y', 'z', 'y', 'q'],
      time: [3, 1, 1, 2, 0],
    });
    expect(full.vocab).toEqual(['y', 'x', 'z', 'q']);
    const seq = (k: number) =>
      Array.from(full.tokens.subarray(full.offsets[k], full.offsets[k + 1]), (i) => full.vocab[i]);
    expect(seq(0)).toEqual(['z', 'y', 'x']);
    expect(seq(1)).toEqual(['q', 'y']);
  });
});

describe('sampling tables', () => {
  it('unigram^0.75 table matches the exact shares', () => {
    const counts = [100, 10, 1];
    const table = unigramTable(counts, 100_000);
    const z = counts.reduce((s, c) => s + c ** 0.75, 0);
    for (let w = 0; w < 3; w++) {
      const share = table.filter((x) => x === w).length / table.length;
      expect(share).toBeCloseTo(counts[w]! ** 0.75 / z, 3);
    }
  });
  it("sub-sampling keeps rare items and thins frequent ones by word2vec's formula", () => {
    const keep = keepProbabilities([1000, 1], 1e-2);
    const t = 1e-2 * 1001;
    expect(keep[0]).toBeCloseTo((Math.sqrt(1000 / t) + 1) * (t / 1000), 6);
    expect(keep[1]).toBe(1);
  });
  it('shards balance token counts and cover every sequence once', () => {
    const offsets = Int32Array.from([0, 10, 11, 20, 22, 30]);
    const shards = balancedShards(offsets, 2);
    expect([...shards[0]!, ...shards[1]!].sort()).toEqual([0, 1, 2, 3, 4]);
    const load = shards.map((s) => [...s].reduce((a, k) => a + offsets[k + 1]! - offsets[k]!, 0));
    // Brute force: the best split of lengths [10,1,9,2,8] into two shards has a larger shard of 17.
    let best = Infinity;
    for (let mask = 0; mask < 32; mask++) {
      let a = 0;
      for (let k = 0; k < 5; k++) if (mask & (1 << k)) a += offsets[k + 1]! - offsets[k]!;
      best = Math.min(best, Math.max(a, 30 - a));
    }
    expect(Math.max(...load)).toBe(best);
  });
});

describe('item2vec', () => {
  const seqs = buildSequences(planted);
  it('recovers planted item clusters (nearest-neighbour purity >= 0.9) and is repeatable with one thread', async () => {
    const a = await trainItem2vec(seqs, { dim: 16, window: 4, epochs: 5, negative: 5, seed: 7, threads: 1 });
    expect(purityOf(a.vectors)).toBeGreaterThanOrEqual(0.9);
    expect(a.pairs).toBeGreaterThan(0);
    const b = await trainItem2vec(seqs, { dim: 16, window: 4, epochs: 5, negative: 5, seed: 7, threads: 1 });
    expect(Buffer.from(b.vectors.data.buffer).equals(Buffer.from(a.vectors.data.buffer))).toBe(true);
    const c = await trainItem2vec(seqs, { dim: 16, window: 4, epochs: 5, negative: 5, seed: 8, threads: 1 });
    expect(Buffer.from(c.vectors.data.buffer).equals(Buffer.from(a.vectors.data.buffer))).toBe(false);
  });
  it.skipIf(!existsSync(new URL('../../dist/pretrain/item2vec-worker.js', import.meta.url)))(
    'two worker threads on shared vectors also recover the clusters',
    async () => {
      const r = await trainItem2vec(seqs, { dim: 16, window: 4, epochs: 5, negative: 5, seed: 7, threads: 2 });
      expect(r.threads).toBe(2);
      expect(purityOf(r.vectors)).toBeGreaterThanOrEqual(0.9);
    },
  );
});
