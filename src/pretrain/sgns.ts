// The skip-gram negative-sampling inner loop (Mikolov et al. 2013, as in word2vec.c), shared by the in-process
// single-thread path and the worker threads. Arrays may be views of SharedArrayBuffers written by several threads
// at once without locks (Hogwild, like word2vec.c): multi-thread runs are therefore not bit-repeatable.
import type { Rng } from '../util/rng.js';

export interface SgnsConfig {
  dim: number;
  window: number;
  negative: number;
  epochs: number;
  /** Starting learning rate, decayed linearly to alpha·1e-4 over all epochs. */
  alpha: number;
}

export interface SgnsArrays {
  /** Input (item) vectors, vocab × dim: the embeddings written out. */
  syn0: Float32Array;
  /** Output (context) vectors, vocab × dim. */
  syn1: Float32Array;
  /** Unigram^0.75 table of vocabulary indices. */
  negTable: Int32Array;
  /** Per vocabulary item: probability of keeping an occurrence (frequent-item sub-sampling). */
  keepProb: Float32Array;
  offsets: Int32Array;
  tokens: Int32Array;
}

export interface SgnsStats {
  pairs: number;
  words: number;
}

/** Trains on the listed sequences for cfg.epochs epochs; lr decays over this shard's own progress. */
export function trainSgnsShard(a: SgnsArrays, cfg: SgnsConfig, sequences: Int32Array, rng: Rng): SgnsStats {
  const { dim, window, negative } = cfg;
  const { syn0, syn1, negTable, keepProb, offsets, tokens } = a;
  let shardWords = 0,
    maxLen = 0;
  for (const s of sequences) {
    const len = offsets[s + 1]! - offsets[s]!;
    shardWords += len;
    if (len > maxLen) maxLen = len;
  }
  const total = cfg.epochs * shardWords + 1;
  const kept = new Int32Array(maxLen);
  const neu1e = new Float32Array(dim);
  const tableSize = negTable.length;
  let wordsDone = 0,
    pairs = 0;
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    for (const s of sequences) {
      let len = 0;
      for (let p = offsets[s]!; p < offsets[s + 1]!; p++) {
        const w = tokens[p]!;
        const keep = keepProb[w]!;
        if (keep < 1 && rng.float() >= keep) continue;
        kept[len++] = w;
      }
      wordsDone += offsets[s + 1]! - offsets[s]!;
      const alpha = cfg.alpha * Math.max(1 - wordsDone / total, 1e-4);
      for (let i = 0; i < len; i++) {
        const center = kept[i]!;
        const reach = window - rng.int(window); // word2vec's random window shrink: nearer items count more
        const lo = Math.max(0, i - reach),
          hi = Math.min(len - 1, i + reach);
        for (let j = lo; j <= hi; j++) {
          if (j === i) continue;
          const l1 = kept[j]! * dim;
          neu1e.fill(0);
          for (let d = 0; d <= negative; d++) {
            let target: number, label: number;
            if (d === 0) {
              target = center;
              label = 1;
            } else {
              target = negTable[rng.u32() % tableSize]!;
              if (target === center) continue;
              label = 0;
            }
            const l2 = target * dim;
            let f = 0;
            for (let c = 0; c < dim; c++) f += syn0[l1 + c]! * syn1[l2 + c]!;
            const g = (label - 1 / (1 + Math.exp(-f))) * alpha;
            for (let c = 0; c < dim; c++) {
              neu1e[c]! += g * syn1[l2 + c]!;
              syn1[l2 + c]! += g * syn0[l1 + c]!;
            }
          }
          for (let c = 0; c < dim; c++) syn0[l1 + c]! += neu1e[c]!;
          pairs++;
        }
      }
    }
  }
  return { pairs, words: wordsDone };
}

/** word2vec.c's table: index i holds the item whose cumulative count^0.75 share covers i/size. */
export function unigramTable(counts: ArrayLike<number>, size = 1_000_000): Int32Array {
  const table = new Int32Array(size);
  const n = counts.length;
  if (n === 0) return table;
  let norm = 0;
  for (let i = 0; i < n; i++) norm += Math.pow(counts[i]!, 0.75);
  let w = 0,
    cum = Math.pow(counts[0]!, 0.75) / norm;
  for (let i = 0; i < size; i++) {
    table[i] = w;
    if ((i + 1) / size > cum && w < n - 1) {
      w++;
      cum += Math.pow(counts[w]!, 0.75) / norm;
    }
  }
  return table;
}

/** word2vec.c's sub-sampling: keep an occurrence of an item with frequency f with prob (√(f/t)+1)·t/f, t = sample. */
export function keepProbabilities(counts: ArrayLike<number>, sample: number): Float32Array {
  const keep = new Float32Array(counts.length).fill(1);
  if (sample <= 0) return keep;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const t = sample * total;
  for (let i = 0; i < counts.length; i++) keep[i] = Math.min(1, (Math.sqrt(counts[i]! / t) + 1) * (t / counts[i]!));
  return keep;
}
