// Cold start at inference and in evaluation.
//  - Lookup order for an ID: training vocabulary → its (trained) row; known only to the pretrained file → its
//    pretrained vector (a row appended by extendVocab, or the file itself); unknown but with edges and a GraphSAGE
//    model → an inductive vector from its neighbours; otherwise → the trained out-of-vocabulary row 0.
//  - Report: per-task AUC on evaluation rows whose item was seen in training vs rows whose item was not.
import { auc, hasBothClasses } from '../metrics/index.js';
import { MtrankError } from '../util/errors.js';
import type { WordVectors } from '../features/word2vec-io.js';
import { embedNewNode, type GraphSageModel } from './graphsage.js';
import { nodeOf } from './graph.js';

export type VectorSource = 'trained' | 'pretrained' | 'inductive' | 'oov';

export interface ColdStartTables {
  /** Token → row of `table` (the possibly extended vocabulary; 0 = OOV is never in the map). */
  vocab: ReadonlyMap<string, number>;
  /** rows × dim, the model's embedding table after training. */
  table: Float32Array;
  dim: number;
  /** Rows below this index were in the training vocabulary; rows at or above were appended from the pretrained file. */
  trainedRows: number;
  /** The pretrained file, consulted for tokens the vocabulary lacks (when extendVocab was off). */
  pretrained?: WordVectors;
  /** GraphSAGE model whose output space matches the table (table initialised from it), for IDs with edges. */
  inductive?: { model: GraphSageModel; kind: 'item' | 'user' };
}

export interface ResolvedVector {
  vector: Float32Array;
  source: VectorSource;
  row?: number;
}

export interface ColdStartLookup {
  /** `edges`: tokens of the other side (users of a new item, items of a new user) it has interacted with. */
  resolve(token: string, edges?: readonly string[]): ResolvedVector;
}

export function createColdStartLookup(t: ColdStartTables): ColdStartLookup {
  const rows = t.table.length / t.dim;
  if (!Number.isInteger(rows) || rows < 1)
    throw new Error(`cold start: table of ${t.table.length} values is not rows × ${t.dim}`);
  for (const v of [t.pretrained?.dim, t.inductive?.model.dim]) {
    if (v !== undefined && v !== t.dim)
      throw new MtrankError(
        `cold start: vectors of dimension ${v} cannot stand in for embeddings of dimension ${t.dim}`,
      );
  }
  const fileRow = new Map(t.pretrained?.tokens.map((tok, r) => [tok, r]) ?? []);
  const row = (r: number) => t.table.subarray(r * t.dim, (r + 1) * t.dim);
  return {
    resolve(token, edges) {
      const r = t.vocab.get(token);
      if (r !== undefined && r > 0 && r < rows)
        return { vector: row(r), source: r < t.trainedRows ? 'trained' : 'pretrained', row: r };
      const f = fileRow.get(token);
      if (f !== undefined)
        return { vector: t.pretrained!.data.subarray(f * t.dim, (f + 1) * t.dim), source: 'pretrained' };
      if (t.inductive && edges?.length) {
        const { model, kind } = t.inductive;
        const other = kind === 'item' ? 'user' : 'item';
        const nodes = edges.map((e) => nodeOf(model.graph, other, e)).filter((v): v is number => v !== undefined);
        if (nodes.length) return { vector: embedNewNode(model, nodes), source: 'inductive' };
      }
      return { vector: row(0), source: 'oov', row: 0 };
    },
  };
}

// ---------------------------------------------------------------- report

export interface ColdStartSlice {
  rows: number;
  positives: number;
  labelRate: number | null;
  auc: number | null;
}
/**
 * Per task; `unseenPretrained` (unseen rows whose item has a pretrained row) and `unseenNew` (unseen rows whose
 * item has none: truly new IDs, read through the OOV row) only when that mask was given.
 */
export type ColdStartBreakdown = Record<
  string,
  { seen: ColdStartSlice; unseen: ColdStartSlice; unseenPretrained?: ColdStartSlice; unseenNew?: ColdStartSlice }
>;

/** 1 for evaluation rows whose item ID (0 = OOV, never seen) occurs among the training rows' item IDs. */
export function itemSeenFlags(trainItems: Int32Array, evalItems: Int32Array): Uint8Array {
  const seen = new Set<number>();
  for (const id of trainItems) if (id !== 0) seen.add(id);
  return Uint8Array.from(evalItems, (id) => (id !== 0 && seen.has(id) ? 1 : 0));
}

/**
 * Per-task AUC on seen vs unseen rows, in the shape metrics.json's `coldStart` takes (read by src/report).
 * With `pretrainedOnly` (1 where the row's item is unseen in training but has a row appended from the
 * pretrained file), also the `unseenPretrained` and `unseenNew` slices. AUC is null where a slice is empty or has one class only.
 */
export function coldStartBreakdown(input: {
  scores: Record<string, Float32Array | Float64Array>;
  labels: Record<string, Uint8Array>;
  itemSeen: Uint8Array;
  pretrainedOnly?: Uint8Array;
}): ColdStartBreakdown {
  const out: ColdStartBreakdown = {};
  const n = input.itemSeen.length;
  if (input.pretrainedOnly && input.pretrainedOnly.length !== n)
    throw new MtrankError(`cold-start report: ${input.pretrainedOnly.length} pretrained flags for ${n} rows`);
  for (const [task, scores] of Object.entries(input.scores)) {
    const labels = input.labels[task];
    if (!labels) throw new MtrankError(`cold-start report: no labels for task '${task}'`);
    if (scores.length !== n || labels.length !== n)
      throw new MtrankError(
        `cold-start report: task '${task}' has ${scores.length} scores and ${labels.length} labels for ${n} rows`,
      );
    const slice = (keep: (i: number) => boolean): ColdStartSlice => {
      const idx: number[] = [];
      for (let i = 0; i < n; i++) if (keep(i)) idx.push(i);
      const s = Float64Array.from(idx, (i) => scores[i]!),
        y = Uint8Array.from(idx, (i) => labels[i]!);
      const positives = y.reduce((a, b) => a + b, 0);
      return {
        rows: idx.length,
        positives,
        labelRate: idx.length ? positives / idx.length : null,
        auc: hasBothClasses(y) ? auc(s, y) : null,
      };
    };
    const seen = input.itemSeen,
      pre = input.pretrainedOnly;
    out[task] = { seen: slice((i) => seen[i] === 1), unseen: slice((i) => seen[i] === 0) };
    if (pre) {
      out[task].unseenPretrained = slice((i) => seen[i] === 0 && pre[i] === 1);
      out[task].unseenNew = slice((i) => seen[i] === 0 && pre[i] === 0);
    }
  }
  return out;
}
