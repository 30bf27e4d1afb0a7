// Unsupervised GraphSAGE (Hamilton, Ying & Leskovec 2017) on the bipartite user–item graph: mean aggregator,
// sampled neighbours per layer, link-prediction loss with negative sampling. Plain Float32Array math with
// hand-written gradients (checked against finite differences in test/pretrain/graphsage.test.ts).
//
// Layer l:  h_v^l = act( h_v^{l-1} · Ws_l + mean_{u ∈ N(v)} h_u^{l-1} · Wn_l + b_l ),  act = ReLU except on the last layer.
// Input:    h_v^0 = E[v] (learned per node, transductive) + f_v · P (node features, when given).
// Loss:     for a batch of edges (u, i) and Q shared negative items n (degree^0.75):
//           mean over edges of  softplus(−z_u·z_i) + Σ_n softplus(z_u·z_n).
// Inductive: a new node has no E row, so h^0 = f·P (or 0) and everything else comes from its neighbours.
// Training drops the E row of target nodes with probability `inputDropout`, so the model learns to embed a node
// from its neighbourhood alone — the cold-start case.
import { Rng } from '../util/rng.js';
import { MtrankError } from '../util/errors.js';
import type { BipartiteGraph } from './graph.js';
import { unigramTable } from './sgns.js';
import { gemm, scratch } from '../engine/kernels.js';

export interface SageLayer {
  din: number;
  dout: number;
  ws: Float32Array;
  wn: Float32Array;
  b: Float32Array;
}

export interface GraphSageModel {
  graph: BipartiteGraph;
  dim: number;
  /** Neighbours sampled per node, outermost hop first (fanout[0] for the last layer's targets). */
  fanout: number[];
  layers: SageLayer[];
  /** nodeCount × dim learned input vectors (null when idInput is off). */
  embedding: Float32Array | null;
  /** featureDim × dim projection of node features (null without features). */
  projection: Float32Array | null;
  /** nodeCount × featureDim standardised node features (null without features). */
  features: Float32Array | null;
  featureDim: number;
  /** Standardisation applied to raw features (so embedNewNode accepts raw values). */
  featureMean: Float32Array | null;
  featureStd: Float32Array | null;
}

export interface GraphSageOptions {
  dim?: number;
  layers?: number;
  fanout?: number[];
  /** Shared negative items per batch. */
  negative?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Learn an input vector per node (default true; without features it must be on). */
  idInput?: boolean;
  /** Probability of hiding a target node's own input vector during training (teaches the inductive path). */
  inputDropout?: number;
  seed?: number;
  /** Raw node features, nodeCount × featureDim (rows of nodes without features: NaN or 0 → 0 after standardising). */
  features?: Float32Array;
  featureDim?: number;
  /** Called after each epoch. */
  onEpoch?: (e: { epoch: number; loss: number; seconds: number }) => void;
}

export interface GraphSageResult {
  model: GraphSageModel;
  epochSeconds: number[];
  losses: number[];
}

/** The sampled computation graph of one batch. sets[l] are the nodes whose h^l is needed; sets[l-1] starts with sets[l]. */
export interface SagePlan {
  sets: Int32Array[];
  /** For l = 1..L: neighbours of sets[l][i] are positions nbrPos[l][nbrOff[l][i] .. nbrOff[l][i+1]) in sets[l-1]. */
  nbrOff: Int32Array[];
  nbrPos: Int32Array[];
  /** Per row of sets[0]: 1 = add its learned input vector. */
  useId: Uint8Array;
  /** Positions in sets[L]: anchors[b] (user) links to positives[b] (item); negatives are shared by all anchors. */
  anchors: Int32Array;
  positives: Int32Array;
  negatives: Int32Array;
}

export interface SageGrads {
  layers: { ws: Float32Array; wn: Float32Array; b: Float32Array }[];
  projection: Float32Array | null;
  embRows: Int32Array;
  emb: Float32Array;
}

// ---------------------------------------------------------------- model

export function createModel(graph: BipartiteGraph, o: GraphSageOptions, rng: Rng): GraphSageModel {
  const dim = o.dim ?? 32,
    L = o.layers ?? 2;
  const fanout = o.fanout ?? (L === 2 ? [10, 5] : Array.from({ length: L }, (_, l) => Math.max(2, 10 >> l)));
  if (fanout.length !== L)
    throw new MtrankError(`graphsage: --fanout needs ${L} values (one per layer), got ${fanout.length}`);
  if (!Number.isInteger(dim) || dim < 1 || !Number.isInteger(L) || L < 1)
    throw new MtrankError('graphsage: dim and layers must be positive integers');
  if (fanout.some((f) => !Number.isInteger(f) || f < 1))
    throw new MtrankError(`graphsage: fanout values must be positive integers, got ${fanout.join(',')}`);
  const featureDim = o.features ? (o.featureDim ?? 0) : 0;
  const idInput = o.idInput ?? true;
  if (!idInput && !featureDim)
    throw new MtrankError('graphsage: without node features the per-node input vectors (idInput) are required');
  const glorot = (din: number, dout: number) => {
    const a = Math.sqrt(6 / (din + dout)),
      w = new Float32Array(din * dout);
    for (let i = 0; i < w.length; i++) w[i] = (2 * rng.float() - 1) * a;
    return w;
  };
  const layers: SageLayer[] = [];
  for (let l = 0; l < L; l++)
    layers.push({ din: dim, dout: dim, ws: glorot(dim, dim), wn: glorot(dim, dim), b: new Float32Array(dim) });
  let embedding: Float32Array | null = null;
  if (idInput) {
    embedding = new Float32Array(graph.nodeCount * dim);
    for (let i = 0; i < embedding.length; i++) embedding[i] = rng.normal() * 0.1;
  }
  let features: Float32Array | null = null,
    featureMean: Float32Array | null = null,
    featureStd: Float32Array | null = null;
  if (featureDim) {
    if (o.features!.length !== graph.nodeCount * featureDim)
      throw new Error(`graphsage: features must be nodeCount × featureDim = ${graph.nodeCount * featureDim} values`);
    ({ features, mean: featureMean, std: featureStd } = standardise(o.features!, featureDim));
  }
  return {
    graph,
    dim,
    fanout,
    layers,
    embedding,
    projection: featureDim ? glorot(featureDim, dim) : null,
    features,
    featureDim,
    featureMean,
    featureStd,
  };
}

/** Column z-scores over rows with a finite value; missing values become 0 (the mean). */
function standardise(raw: Float32Array, k: number) {
  const n = raw.length / k,
    mean = new Float32Array(k),
    std = new Float32Array(k),
    out = new Float32Array(raw.length);
  for (let c = 0; c < k; c++) {
    let s = 0,
      s2 = 0,
      m = 0;
    for (let r = 0; r < n; r++) {
      const x = raw[r * k + c]!;
      if (Number.isFinite(x)) {
        s += x;
        s2 += x * x;
        m++;
      }
    }
    mean[c] = m ? s / m : 0;
    std[c] = m ? Math.sqrt(Math.max(s2 / m - mean[c]! ** 2, 0)) || 1 : 1;
    for (let r = 0; r < n; r++) {
      const x = raw[r * k + c]!;
      out[r * k + c] = Number.isFinite(x) ? (x - mean[c]!) / std[c]! : 0;
    }
  }
  return { features: out, mean, std };
}

// ---------------------------------------------------------------- sampling

export function samplePlan(
  model: GraphSageModel,
  edgeBatch: ArrayLike<number>,
  negativeNodes: ArrayLike<number>,
  rng: Rng,
  inputDropout: number,
): SagePlan {
  const L = model.layers.length,
    g = model.graph;
  const top: number[] = [],
    pos = new Map<number, number>();
  const place = (v: number) => {
    let p = pos.get(v);
    if (p === undefined) {
      pos.set(v, (p = top.length));
      top.push(v);
    }
    return p;
  };
  const B = edgeBatch.length / 2;
  const anchors = new Int32Array(B),
    positives = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    anchors[b] = place(edgeBatch[2 * b]!);
    positives[b] = place(edgeBatch[2 * b + 1]!);
  }
  const negatives = Int32Array.from(Array.from(negativeNodes, place));

  const sets: Int32Array[] = new Array(L + 1),
    nbrOff: Int32Array[] = new Array(L + 1),
    nbrPos: Int32Array[] = new Array(L + 1);
  sets[L] = Int32Array.from(top);
  for (let l = L; l >= 1; l--) {
    const cur = sets[l]!,
      fan = model.fanout[L - l]!;
    const prev = Array.from(cur),
      at = new Map<number, number>();
    prev.forEach((v, i) => at.set(v, i));
    const off = new Int32Array(cur.length + 1),
      list: number[] = [];
    for (let i = 0; i < cur.length; i++) {
      const v = cur[i]!,
        start = g.offsets[v]!,
        deg = g.offsets[v + 1]! - start;
      const take = (u: number) => {
        let p = at.get(u);
        if (p === undefined) {
          at.set(u, (p = prev.length));
          prev.push(u);
        }
        list.push(p);
      };
      if (deg <= fan) for (let k = 0; k < deg; k++) take(g.neighbours[start + k]!);
      else for (let k = 0; k < fan; k++) take(g.neighbours[start + rng.int(deg)]!);
      off[i + 1] = list.length;
    }
    sets[l - 1] = Int32Array.from(prev);
    nbrOff[l] = off;
    nbrPos[l] = Int32Array.from(list);
  }
  const useId = new Uint8Array(sets[0]!.length).fill(model.embedding ? 1 : 0);
  if (model.embedding && inputDropout > 0)
    for (let i = 0; i < top.length; i++) if (rng.float() < inputDropout) useId[i] = 0;
  return { sets, nbrOff, nbrPos, useId, anchors, positives, negatives };
}

// ---------------------------------------------------------------- dense helpers (the engine's wasm SIMD gemm)

/** out[n×dout] += A[n×din] · W[din×dout] */
function mulAdd(n: number, din: number, dout: number, A: Float32Array, W: Float32Array, out: Float32Array): void {
  gemm(n, dout, din, A.subarray(0, n * din), W, out.subarray(0, n * dout), { accumulate: true });
}

/** dW[din×dout] += Aᵀ · dY */
function mulAtB(n: number, din: number, dout: number, A: Float32Array, dY: Float32Array, dW: Float32Array): void {
  gemm(din, dout, n, A.subarray(0, n * din), dY.subarray(0, n * dout), dW, { transA: true, accumulate: true });
}

/** dA[n×din] = dY · Wᵀ */
function mulBt(n: number, din: number, dout: number, dY: Float32Array, W: Float32Array, dA: Float32Array): void {
  gemm(n, din, dout, dY.subarray(0, n * dout), W, dA.subarray(0, n * din), { transB: true });
}

/** A copy in the engine's scratch memory, where the wasm kernels work in place. */
function staged(a: Float32Array): Float32Array {
  const out = scratch.f32Raw(a.length);
  out.set(a);
  return out;
}

/** Row means of the listed neighbour rows (0 for a node without neighbours). */
function aggregate(n: number, d: number, H: Float32Array, off: Int32Array, list: Int32Array, out: Float32Array): void {
  out.fill(0, 0, n * d);
  for (let i = 0; i < n; i++) {
    const a = off[i]!,
      b = off[i + 1]!;
    if (a === b) continue;
    const inv = 1 / (b - a);
    for (let k = a; k < b; k++) {
      const src = list[k]! * d;
      for (let c = 0; c < d; c++) out[i * d + c] += H[src + c]! * inv;
    }
  }
}

const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The input rows h^0 for the given nodes (in `alloc`ated memory). */
function inputRows(
  model: GraphSageModel,
  nodes: Int32Array,
  useId: Uint8Array | null,
  alloc: (n: number) => Float32Array,
): Float32Array {
  const d = model.dim,
    F = model.featureDim,
    H = alloc(nodes.length * d);
  if (model.embedding) {
    for (let i = 0; i < nodes.length; i++)
      if (!useId || useId[i]) H.set(model.embedding.subarray(nodes[i]! * d, (nodes[i]! + 1) * d), i * d);
  }
  if (F) mulAdd(nodes.length, F, d, featureRows(model, nodes, alloc), model.projection!, H);
  return H;
}

function featureRows(model: GraphSageModel, nodes: Int32Array, alloc: (n: number) => Float32Array): Float32Array {
  const F = model.featureDim,
    X = alloc(nodes.length * F);
  for (let i = 0; i < nodes.length; i++) X.set(model.features!.subarray(nodes[i]! * F, (nodes[i]! + 1) * F), i * F);
  return X;
}

// ---------------------------------------------------------------- forward / backward

/**
 * Batch loss; when `grads` is given, adds the gradients to it. Works in the engine's scratch memory (reset here),
 * so it must not run in the middle of an engine Graph step.
 */
export function lossAndGrads(model: GraphSageModel, plan: SagePlan, grads: SageGrads | null): number {
  scratch.reset();
  const alloc = (n: number) => scratch.f32(n);
  const L = model.layers.length,
    d = model.dim;
  const W = model.layers.map((l) => ({ ws: staged(l.ws), wn: staged(l.wn), b: staged(l.b) }));
  const P = model.projection ? staged(model.projection) : null;
  const stagedModel = { ...model, projection: P };
  const H: Float32Array[] = [inputRows(stagedModel, plan.sets[0]!, plan.useId, alloc)];
  const M: Float32Array[] = [alloc(0)];
  for (let l = 1; l <= L; l++) {
    const n = plan.sets[l]!.length,
      w = W[l - 1]!;
    const m = alloc(n * d);
    aggregate(n, d, H[l - 1]!, plan.nbrOff[l]!, plan.nbrPos[l]!, m);
    const out = alloc(n * d);
    // The first n rows of H^{l-1} are the nodes themselves.
    gemm(n, d, d, H[l - 1]!.subarray(0, n * d), w.ws, out, { bias: w.b });
    gemm(n, d, d, m, w.wn, out, { accumulate: true, relu: l < L });
    H.push(out);
    M.push(m);
  }
  const Z = H[L]!,
    B = plan.anchors.length,
    Q = plan.negatives.length;
  const dZ = grads ? alloc(Z.length) : null;
  const dot = (a: number, b: number) => {
    let s = 0;
    for (let c = 0; c < d; c++) s += Z[a * d + c]! * Z[b * d + c]!;
    return s;
  };
  const pull = (a: number, b: number, g: number) => {
    // dZ_a += g z_b, dZ_b += g z_a
    for (let c = 0; c < d; c++) {
      dZ![a * d + c] += g * Z[b * d + c]!;
      dZ![b * d + c] += g * Z[a * d + c]!;
    }
  };
  let loss = 0;
  for (let k = 0; k < B; k++) {
    const a = plan.anchors[k]!,
      p = plan.positives[k]!;
    const sp = dot(a, p);
    loss += softplus(-sp);
    if (dZ) pull(a, p, -sigmoid(-sp) / B);
    for (let q = 0; q < Q; q++) {
      const n = plan.negatives[q]!;
      if (n === p) continue;
      const sn = dot(a, n);
      loss += softplus(sn);
      if (dZ) pull(a, n, sigmoid(sn) / B);
    }
  }
  loss /= B;
  if (!grads || !dZ) return loss;

  let dH = dZ;
  for (let l = L; l >= 1; l--) {
    const n = plan.sets[l]!.length,
      w = W[l - 1]!,
      g = grads.layers[l - 1]!;
    if (l < L) for (let i = 0; i < dH.length; i++) if (H[l]![i]! <= 0) dH[i] = 0; // ReLU'
    const dWs = alloc(d * d),
      dWn = alloc(d * d);
    mulAtB(n, d, d, H[l - 1]!, dH, dWs);
    mulAtB(n, d, d, M[l]!, dH, dWn);
    for (let i = 0; i < d * d; i++) {
      g.ws[i] += dWs[i]!;
      g.wn[i] += dWn[i]!;
    }
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) g.b[c] += dH[i * d + c]!;
    const dPrev = alloc(H[l - 1]!.length);
    mulBt(n, d, d, dH, w.ws, dPrev); // self rows 0..n-1
    const dM = alloc(n * d);
    mulBt(n, d, d, dH, w.wn, dM);
    const off = plan.nbrOff[l]!,
      list = plan.nbrPos[l]!;
    for (let i = 0; i < n; i++) {
      const a = off[i]!,
        b = off[i + 1]!;
      if (a === b) continue;
      const inv = 1 / (b - a);
      for (let k = a; k < b; k++) {
        const dst = list[k]! * d;
        for (let c = 0; c < d; c++) dPrev[dst + c] += dM[i * d + c]! * inv;
      }
    }
    dH = dPrev;
  }
  const nodes = plan.sets[0]!,
    F = model.featureDim;
  if (F) {
    const dP = alloc(F * d);
    mulAtB(nodes.length, F, d, featureRows(model, nodes, alloc), dH, dP);
    for (let i = 0; i < dP.length; i++) grads.projection![i] += dP[i]!;
  }
  if (model.embedding) {
    const rows: number[] = [];
    for (let i = 0; i < nodes.length; i++) if (plan.useId[i]) rows.push(i);
    grads.embRows = Int32Array.from(rows, (i) => nodes[i]!);
    grads.emb = new Float32Array(rows.length * d);
    rows.forEach((i, r) => grads.emb.set(dH.subarray(i * d, (i + 1) * d), r * d));
  }
  return loss;
}

export function zeroGrads(model: GraphSageModel): SageGrads {
  return {
    layers: model.layers.map((l) => ({
      ws: new Float32Array(l.ws.length),
      wn: new Float32Array(l.wn.length),
      b: new Float32Array(l.b.length),
    })),
    projection: model.projection ? new Float32Array(model.projection.length) : null,
    embRows: new Int32Array(0),
    emb: new Float32Array(0),
  };
}

// ---------------------------------------------------------------- optimiser (Adam; lazy rows for the node table)

class Adam {
  private readonly m = new Map<Float32Array, Float32Array>();
  private readonly v = new Map<Float32Array, Float32Array>();
  t = 0;
  constructor(
    readonly lr: number,
    readonly b1 = 0.9,
    readonly b2 = 0.999,
    readonly eps = 1e-8,
  ) {}
  private state(p: Float32Array) {
    let m = this.m.get(p),
      v = this.v.get(p);
    if (!m || !v) {
      m = new Float32Array(p.length);
      v = new Float32Array(p.length);
      this.m.set(p, m);
      this.v.set(p, v);
    }
    return { m, v };
  }
  /** Updates p[offset + k] with g[k] for k < g.length. */
  update(p: Float32Array, g: Float32Array, offset = 0): void {
    const { m, v } = this.state(p);
    const step = (this.lr * Math.sqrt(1 - this.b2 ** this.t)) / (1 - this.b1 ** this.t);
    for (let k = 0; k < g.length; k++) {
      const i = offset + k,
        gi = g[k]!;
      m[i] = this.b1 * m[i]! + (1 - this.b1) * gi;
      v[i] = this.b2 * v[i]! + (1 - this.b2) * gi * gi;
      p[i] -= (step * m[i]!) / (Math.sqrt(v[i]!) + this.eps);
    }
  }
}

function applyGrads(model: GraphSageModel, g: SageGrads, opt: Adam): void {
  opt.t++;
  model.layers.forEach((l, k) => {
    opt.update(l.ws, g.layers[k]!.ws);
    opt.update(l.wn, g.layers[k]!.wn);
    opt.update(l.b, g.layers[k]!.b);
  });
  if (model.projection) opt.update(model.projection, g.projection!);
  if (model.embedding) {
    const d = model.dim;
    for (let r = 0; r < g.embRows.length; r++)
      opt.update(model.embedding, g.emb.subarray(r * d, (r + 1) * d), g.embRows[r]! * d);
  }
}

// ---------------------------------------------------------------- training

export function trainGraphSage(graph: BipartiteGraph, o: GraphSageOptions = {}): GraphSageResult {
  const rng = new Rng(o.seed ?? 42);
  const model = createModel(graph, o, rng.fork('graphsage-init'));
  const sampler = rng.fork('graphsage-sample');
  const E = graph.edges.length / 2;
  if (E === 0) throw new MtrankError('graphsage: the log has no interactions');
  const U = graph.users.length;
  const degree = Float64Array.from(graph.items, (_, k) => graph.offsets[U + k + 1]! - graph.offsets[U + k]!);
  const negTable = unigramTable(degree, Math.min(1_000_000, Math.max(10_000, 100 * degree.length)));
  const batchSize = o.batchSize ?? 256,
    Q = o.negative ?? 5,
    epochs = o.epochs ?? 5,
    dropout = o.inputDropout ?? 0.5;
  const opt = new Adam(o.lr ?? 0.01);
  const order = Int32Array.from({ length: E }, (_, e) => e);
  const batch = new Int32Array(2 * batchSize),
    negatives = new Int32Array(Q);
  const epochSeconds: number[] = [],
    losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const start = performance.now();
    sampler.shuffle(order);
    let sum = 0,
      count = 0;
    for (let s = 0; s < E; s += batchSize) {
      const n = Math.min(batchSize, E - s);
      for (let k = 0; k < n; k++) {
        batch[2 * k] = graph.edges[2 * order[s + k]!]!;
        batch[2 * k + 1] = graph.edges[2 * order[s + k]! + 1]!;
      }
      for (let q = 0; q < Q; q++) negatives[q] = U + negTable[sampler.int(negTable.length)]!;
      const plan = samplePlan(model, batch.subarray(0, 2 * n), negatives, sampler, dropout);
      const grads = zeroGrads(model);
      const loss = lossAndGrads(model, plan, grads);
      if (!Number.isFinite(loss))
        throw new MtrankError(`graphsage: loss became ${loss} in epoch ${epoch + 1}; lower --lr`);
      applyGrads(model, grads, opt);
      sum += loss * n;
      count += n;
    }
    const seconds = (performance.now() - start) / 1000;
    epochSeconds.push(seconds);
    losses.push(sum / count);
    o.onEpoch?.({ epoch: epoch + 1, loss: sum / count, seconds });
  }
  return { model, epochSeconds, losses };
}

// ---------------------------------------------------------------- inference

const layerCache = new WeakMap<GraphSageModel, Float32Array[]>();

/** h^0 .. h^L for every node, aggregating over full neighbourhoods (the unbiased version of the sampled mean). */
export function layerOutputs(model: GraphSageModel): Float32Array[] {
  const cached = layerCache.get(model);
  if (cached) return cached;
  const g = model.graph,
    N = g.nodeCount,
    d = model.dim,
    L = model.layers.length;
  const alloc = (n: number) => new Float32Array(n);
  const H = [
    inputRows(
      model,
      Int32Array.from({ length: N }, (_, v) => v),
      null,
      alloc,
    ),
  ];
  for (let l = 1; l <= L; l++) {
    const layer = model.layers[l - 1]!,
      m = alloc(N * d),
      out = alloc(N * d);
    aggregate(N, d, H[l - 1]!, g.offsets, g.neighbours, m);
    gemm(N, d, d, H[l - 1]!, layer.ws, out, { bias: layer.b });
    gemm(N, d, d, m, layer.wn, out, { accumulate: true, relu: l < L });
    H.push(out);
  }
  layerCache.set(model, H);
  return H;
}

/** Final embeddings of every node (nodeCount × dim; users first, then items). */
export function embedAll(model: GraphSageModel): Float32Array {
  const H = layerOutputs(model);
  return H[H.length - 1]!;
}

/**
 * Inductive embedding of a node the graph has never seen, from its edges (node indices of its neighbours, see
 * nodeOf) and optionally its raw features. It has no learned input vector: h^0 = features·P, or 0.
 */
export function embedNewNode(
  model: GraphSageModel,
  neighbourNodes: ArrayLike<number>,
  features?: ArrayLike<number>,
): Float32Array {
  const H = layerOutputs(model),
    d = model.dim,
    N = model.graph.nodeCount;
  for (let k = 0; k < neighbourNodes.length; k++) {
    const v = neighbourNodes[k]!;
    if (!Number.isInteger(v) || v < 0 || v >= N)
      throw new Error(`embedNewNode: neighbour ${v} is not a node of the graph`);
  }
  let h = new Float32Array(d);
  if (features && model.featureDim) {
    if (features.length !== model.featureDim)
      throw new MtrankError(`embedNewNode: expected ${model.featureDim} feature values, got ${features.length}`);
    const f = Float32Array.from(features, (x, c) =>
      Number.isFinite(x) ? (x - model.featureMean![c]!) / model.featureStd![c]! : 0,
    );
    mulAdd(1, model.featureDim, d, f, model.projection!, h);
  }
  const off = Int32Array.from([0, neighbourNodes.length]),
    list = Int32Array.from(neighbourNodes);
  model.layers.forEach((layer, k) => {
    const m = new Float32Array(d),
      out = Float32Array.from(layer.b);
    aggregate(1, d, H[k]!, off, list, m);
    mulAdd(1, d, d, h, layer.ws, out);
    mulAdd(1, d, d, m, layer.wn, out);
    if (k < model.layers.length - 1) for (let c = 0; c < d; c++) if (out[c]! < 0) out[c] = 0;
    h = out;
  });
  return h;
}
