// item2vec (Barkan & Koenigstein 2016): skip-gram with negative sampling over per-user behaviour sequences.
// `threads: 1` trains in this thread and is bit-repeatable for a seed; more threads share the vectors through
// SharedArrayBuffers (Hogwild), which is faster but not bit-repeatable (the update order depends on timing).
import { Worker } from 'node:worker_threads';
import { Rng } from '../util/rng.js';
import { MtrankError } from '../util/errors.js';
import { workerUrl } from '../util/worker-url.js';
import type { Sequences } from './sequences.js';
import type { WordVectors } from '../features/word2vec-io.js';
import {
  keepProbabilities,
  trainSgnsShard,
  unigramTable,
  type SgnsArrays,
  type SgnsConfig,
  type SgnsStats,
} from './sgns.js';

export interface Item2vecOptions {
  dim?: number;
  window?: number;
  negative?: number;
  epochs?: number;
  /** Sub-sampling threshold t (0 = off). */
  sample?: number;
  /** Starting learning rate (word2vec's skip-gram default 0.025). */
  alpha?: number;
  threads?: number;
  seed?: number;
}

export interface Item2vecResult {
  vectors: WordVectors;
  /** (center, context) pairs trained, over all epochs. */
  pairs: number;
  seconds: number;
  pairsPerSecond: number;
  threads: number;
}

/** What a worker receives: the shared arrays plus its shard. */
export interface Item2vecWorkerInput {
  buffers: { [K in keyof SgnsArrays]: SharedArrayBuffer };
  cfg: SgnsConfig;
  sequences: Int32Array;
  seed: number;
  thread: number;
}

export function threadRng(seed: number, thread: number): Rng {
  return new Rng(seed).fork(`item2vec-thread-${thread}`);
}

export async function trainItem2vec(seqs: Sequences, o: Item2vecOptions = {}): Promise<Item2vecResult> {
  const cfg: SgnsConfig = {
    dim: o.dim ?? 32,
    window: o.window ?? 5,
    negative: o.negative ?? 5,
    epochs: o.epochs ?? 5,
    alpha: o.alpha ?? 0.025,
  };
  const threads = Math.max(1, Math.floor(o.threads ?? 1));
  const seed = o.seed ?? 42;
  for (const [k, v] of Object.entries(cfg)) {
    if (!(Number.isFinite(v) && v > 0) || (k !== 'alpha' && !Number.isInteger(v)))
      throw new MtrankError(`item2vec: ${k} must be a positive ${k === 'alpha' ? 'number' : 'integer'}, got ${v}`);
  }
  const V = seqs.vocab.length;
  if (V === 0) throw new MtrankError('item2vec: no item reaches minCount, nothing to train');

  const arrays: SgnsArrays = {
    syn0: zerosFor(V * cfg.dim, threads),
    syn1: zerosFor(V * cfg.dim, threads),
    negTable: sharedIfThreads(unigramTable(seqs.counts, V > 100_000 ? 10_000_000 : 1_000_000), threads),
    keepProb: sharedIfThreads(keepProbabilities(seqs.counts, o.sample ?? 1e-3), threads),
    offsets: sharedIfThreads(seqs.offsets, threads),
    tokens: sharedIfThreads(seqs.tokens, threads),
  };
  // word2vec.c's initialisation: inputs uniform in ±0.5/dim, outputs zero.
  const init = new Rng(seed).fork('item2vec-init');
  for (let i = 0; i < arrays.syn0.length; i++) arrays.syn0[i] = (init.float() - 0.5) / cfg.dim;

  const shards = balancedShards(seqs.offsets, threads);
  const start = performance.now();
  let stats: SgnsStats[];
  if (threads === 1) stats = [trainSgnsShard(arrays, cfg, shards[0]!, threadRng(seed, 0))];
  else
    stats = await Promise.all(
      shards.map((sequences, thread) => runWorker({ buffers: buffersOf(arrays), cfg, sequences, seed, thread })),
    );
  const seconds = (performance.now() - start) / 1000;
  const pairs = stats.reduce((s, x) => s + x.pairs, 0);
  return {
    vectors: { tokens: seqs.vocab, dim: cfg.dim, data: Float32Array.from(arrays.syn0) },
    pairs,
    seconds,
    pairsPerSecond: pairs / Math.max(seconds, 1e-9),
    threads,
  };
}

function zerosFor(n: number, threads: number): Float32Array {
  return threads > 1 ? new Float32Array(new SharedArrayBuffer(4 * Math.max(1, n))).subarray(0, n) : new Float32Array(n);
}

/** With threads > 1, a copy of `src` in a SharedArrayBuffer (workers see the same memory); else src itself. */
function sharedIfThreads<T extends Float32Array | Int32Array>(src: T, threads: number): T {
  if (threads === 1) return src;
  const Ctor = src.constructor as { new (b: SharedArrayBuffer): T };
  const out = new Ctor(new SharedArrayBuffer(Math.max(1, src.length) * src.BYTES_PER_ELEMENT));
  out.set(src as never);
  return out;
}

function buffersOf(a: SgnsArrays): Item2vecWorkerInput['buffers'] {
  const b = (x: Float32Array | Int32Array) => x.buffer as SharedArrayBuffer;
  return {
    syn0: b(a.syn0),
    syn1: b(a.syn1),
    negTable: b(a.negTable),
    keepProb: b(a.keepProb),
    offsets: b(a.offsets),
    tokens: b(a.tokens),
  };
}

/** Splits sequences into `k` shards of nearly equal token counts (longest first onto the lightest shard). */
export function balancedShards(offsets: Int32Array, k: number): Int32Array[] {
  const n = offsets.length - 1;
  const order = Array.from({ length: n }, (_, s) => s).sort(
    (a, b) => offsets[b + 1]! - offsets[b]! - (offsets[a + 1]! - offsets[a]!) || a - b,
  );
  const load = new Array<number>(k).fill(0);
  const members: number[][] = Array.from({ length: k }, () => []);
  for (const s of order) {
    let best = 0;
    for (let t = 1; t < k; t++) if (load[t]! < load[best]!) best = t;
    members[best]!.push(s);
    load[best]! += offsets[s + 1]! - offsets[s]!;
  }
  // Each shard visits its sequences in log order.
  return members.map((m) => Int32Array.from(m.sort((a, b) => a - b)));
}

function runWorker(input: Item2vecWorkerInput): Promise<SgnsStats> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl(import.meta.url, './item2vec-worker.js'), { workerData: input });
    worker.once('message', (m: SgnsStats) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`item2vec worker ${input.thread} exited with code ${code}`));
    });
  });
}
