// The two pretraining jobs end to end (log → vectors file), shared by `mtrank pretrain` and the cold-start bench.
import { basename, dirname, extname, join } from 'node:path';
import { readInteractionLog } from './log.js';
import { buildSequences } from './sequences.js';
import { trainItem2vec, type Item2vecOptions } from './item2vec.js';
import { buildBipartiteGraph, type BipartiteGraph } from './graph.js';
import { embedAll, trainGraphSage, type GraphSageModel, type GraphSageOptions } from './graphsage.js';
import { saveGraphSage } from './graphsage-io.js';
import { writeVectors, type WordVectors } from '../features/word2vec-io.js';
import type { InteractionLog } from './log.js';

export interface LogColumns {
  input: string;
  user: string;
  item: string;
  time?: string;
  /**
   * Only rows with untilColumn (default `time`) < until (a number or a timestamp), and only rows where `where`
   * (DuckDB SQL) holds: pretraining must not see the test period.
   */
  until?: string | number;
  untilColumn?: string;
  where?: string;
}

export interface Item2vecJob extends LogColumns, Item2vecOptions {
  out?: string;
  minCount?: number;
}
export interface Item2vecReport {
  vectors: WordVectors;
  items: number;
  sequences: number;
  pairs: number;
  seconds: number;
  pairsPerSecond: number;
  threads: number;
  filter?: InteractionLog['filter'];
}

export async function runItem2vec(job: Item2vecJob, log?: InteractionLog): Promise<Item2vecReport> {
  log ??= await readInteractionLog(job.input, {
    user: job.user,
    item: job.item,
    time: job.time,
    until: job.until,
    untilColumn: job.untilColumn,
    where: job.where,
  });
  const seqs = buildSequences(log, job.minCount ?? 1);
  const r = await trainItem2vec(seqs, job);
  if (job.out) writeVectors(job.out, r.vectors);
  return {
    vectors: r.vectors,
    items: seqs.vocab.length,
    sequences: seqs.offsets.length - 1,
    pairs: r.pairs,
    seconds: r.seconds,
    pairsPerSecond: r.pairsPerSecond,
    threads: r.threads,
    filter: log.filter,
  };
}

export interface GraphSageJob extends LogColumns, Omit<GraphSageOptions, 'features' | 'featureDim'> {
  /** Numeric log columns averaged per item as item features. */
  features?: string[];
  /** Item vectors (plain item IDs). */
  out?: string;
  /** User vectors (plain user IDs); default: next to `out` as NAME.users.EXT. */
  userOut?: string;
  /** The model, for inductive embedding at predict time. */
  modelOut?: string;
}
export interface GraphSageReport {
  items: WordVectors;
  users: WordVectors;
  model: GraphSageModel;
  graph: BipartiteGraph;
  epochSeconds: number[];
  losses: number[];
  userOut?: string;
  filter?: InteractionLog['filter'];
}

export async function runGraphSage(job: GraphSageJob, log?: InteractionLog): Promise<GraphSageReport> {
  log ??= await readInteractionLog(job.input, {
    user: job.user,
    item: job.item,
    time: job.time,
    numeric: job.features,
    until: job.until,
    untilColumn: job.untilColumn,
    where: job.where,
  });
  const graph = buildBipartiteGraph(log);
  const F = job.features?.length ?? 0;
  const features = F ? itemFeatures(log, graph, job.features!) : undefined;
  const { model, epochSeconds, losses } = trainGraphSage(graph, { ...job, features, featureDim: F });
  const Z = embedAll(model),
    d = model.dim,
    U = graph.users.length;
  const users: WordVectors = { tokens: graph.users, dim: d, data: Z.slice(0, U * d) };
  const items: WordVectors = { tokens: graph.items, dim: d, data: Z.slice(U * d) };
  let userOut = job.userOut;
  if (job.out) {
    userOut ??= join(dirname(job.out), `${basename(job.out, extname(job.out))}.users${extname(job.out) || '.vec'}`);
    writeVectors(job.out, items);
    writeVectors(userOut, users);
  }
  if (job.modelOut) saveGraphSage(job.modelOut, model);
  return { items, users, model, graph, epochSeconds, losses, userOut, filter: log.filter };
}

/** nodeCount × F: per-item means of the given columns (NaN for users and for items without values). */
function itemFeatures(log: InteractionLog, g: BipartiteGraph, columns: string[]): Float32Array {
  const F = columns.length,
    U = g.users.length;
  const sum = new Float64Array(g.nodeCount * F),
    count = new Float64Array(g.nodeCount * F);
  for (let r = 0; r < log.items.length; r++) {
    const v = U + g.itemIndex.get(log.items[r]!)!;
    columns.forEach((c, k) => {
      const x = log.numeric[c]![r]!;
      if (Number.isFinite(x)) {
        sum[v * F + k] += x;
        count[v * F + k]++;
      }
    });
  }
  return Float32Array.from(sum, (s, i) => (count[i] ? s / count[i]! : NaN));
}
