// Worker entry for multi-thread item2vec: trains one shard of sequences on the shared vectors.
import { parentPort, workerData } from 'node:worker_threads';
import { trainSgnsShard } from './sgns.js';
import { threadRng, type Item2vecWorkerInput } from './item2vec.js';

const input = workerData as Item2vecWorkerInput;
const b = input.buffers;
const stats = trainSgnsShard(
  {
    syn0: new Float32Array(b.syn0),
    syn1: new Float32Array(b.syn1),
    negTable: new Int32Array(b.negTable),
    keepProb: new Float32Array(b.keepProb),
    offsets: new Int32Array(b.offsets),
    tokens: new Int32Array(b.tokens),
  },
  input.cfg,
  input.sequences,
  threadRng(input.seed, input.thread),
);
parentPort!.postMessage(stats);
