import { describe, expect, it } from 'vitest';
import { buildBipartiteGraph, nodeOf } from '../../src/pretrain/graph.js';
import {
  createModel,
  embedAll,
  embedNewNode,
  lossAndGrads,
  samplePlan,
  trainGraphSage,
  zeroGrads,
  type GraphSageModel,
} from '../../src/pretrain/graphsage.js';
import { Rng } from '../../src/util/rng.js';
import { cosine, nnPurity } from './helpers.js';

/** Users and items in `k` communities; each user links to `deg` items, a share `noise` of them outside its community. */
function communities(k: number, usersPer: number, itemsPer: number, deg: number, noise: number, seed: number) {
  const rng = new Rng(seed),
    users: string[] = [],
    items: string[] = [];
  for (let u = 0; u < k * usersPer; u++) {
    const c = u % k;
    for (let e = 0; e < deg; e++) {
      const cc = rng.float() < noise ? rng.int(k) : c;
      users.push(`u${u}`);
      items.push(`i${cc * itemsPer + rng.int(itemsPer)}`);
    }
  }
  return {
    users,
    items,
    communityOfItem: (t: string) => Math.floor(Number(t.slice(1)) / itemsPer),
    communityOfUser: (t: string) => Number(t.slice(1)) % k,
  };
}

describe('bipartite graph', () => {
  it('one node per user and item, one undirected edge per distinct pair', () => {
    const g = buildBipartiteGraph({ users: ['a', 'a', 'b', 'a'], items: ['x', 'y', 'x', 'x'] });
    expect(g.nodeCount).toBe(4);
    expect(g.edges.length / 2).toBe(3);
    const nbrs = (v: number) => Array.from(g.neighbours.subarray(g.offsets[v], g.offsets[v + 1])).sort();
    expect(nbrs(nodeOf(g, 'user', 'a')!)).toEqual([nodeOf(g, 'item', 'x'), nodeOf(g, 'item', 'y')].sort());
    expect(nbrs(nodeOf(g, 'item', 'x')!)).toEqual([0, 1]);
  });
});

describe('GraphSAGE gradients', () => {
  it('match central finite differences for every parameter kind', () => {
    const data = communities(2, 4, 4, 3, 0.3, 5);
    const g = buildBipartiteGraph(data);
    const rng = new Rng(9);
    const features = new Float32Array(g.nodeCount * 3);
    for (let i = 0; i < features.length; i++) features[i] = rng.normal();
    const model = createModel(g, { dim: 4, layers: 2, fanout: [3, 2], features, featureDim: 3 }, rng.fork('init'));
    for (const l of model.layers) for (let i = 0; i < l.b.length; i++) l.b[i] = 0.1 * rng.normal();
    const edges = g.edges.subarray(0, 8);
    const plan = samplePlan(
      model,
      edges,
      [g.users.length, g.users.length + 2, g.users.length + 5],
      rng.fork('plan'),
      0.3,
    );
    const grads = zeroGrads(model);
    lossAndGrads(model, plan, grads);
    const embGrad = new Map<number, Float32Array>();
    for (let r = 0; r < grads.embRows.length; r++)
      embGrad.set(grads.embRows[r]!, grads.emb.subarray(r * 4, (r + 1) * 4));

    const check = (p: Float32Array, analytic: (i: number) => number, indices: number[]) => {
      for (const i of indices) {
        const keep = p[i]!,
          eps = 3e-3;
        p[i] = keep + eps;
        const up = lossAndGrads(model, plan, null);
        p[i] = keep - eps;
        const down = lossAndGrads(model, plan, null);
        p[i] = keep;
        const fd = (up - down) / (2 * eps),
          an = analytic(i);
        expect(Math.abs(fd - an), `index ${i}: fd ${fd} vs analytic ${an}`).toBeLessThan(2e-3 + 0.03 * Math.abs(an));
      }
    };
    const all = (n: number) => Array.from({ length: n }, (_, i) => i);
    model.layers.forEach((l, k) => {
      check(l.ws, (i) => grads.layers[k]!.ws[i]!, all(l.ws.length));
      check(l.wn, (i) => grads.layers[k]!.wn[i]!, all(l.wn.length));
      check(l.b, (i) => grads.layers[k]!.b[i]!, all(l.b.length));
    });
    check(model.projection!, (i) => grads.projection![i]!, all(model.projection!.length));
    // The learned input table: every element of every node (rows outside the batch or dropped must have zero gradient).
    check(model.embedding!, (i) => embGrad.get(Math.floor(i / 4))?.[i % 4] ?? 0, all(model.embedding!.length));
    // Some gradients are non-trivial, so the comparison above cannot pass vacuously.
    expect(Math.max(...grads.layers[0]!.wn.map(Math.abs))).toBeGreaterThan(1e-3);
    expect(grads.embRows.length).toBeGreaterThan(0);
  });
});

describe('GraphSAGE on a planted-community graph', () => {
  const K = 4,
    data = communities(K, 30, 25, 12, 0.05, 1);
  const g = buildBipartiteGraph(data);
  let model: GraphSageModel, Z: Float32Array;
  it('separates the communities (item nearest-neighbour purity >= 0.9) and the loss falls', () => {
    const r = trainGraphSage(g, {
      dim: 16,
      layers: 2,
      fanout: [10, 5],
      epochs: 8,
      negative: 5,
      batchSize: 64,
      lr: 0.01,
      seed: 3,
    });
    model = r.model;
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]!);
    Z = embedAll(model);
    const U = g.users.length;
    const items = new Float32Array(Z.subarray(U * 16));
    expect(nnPurity(items, 16, g.items.map(data.communityOfItem))).toBeGreaterThanOrEqual(0.9);
    expect(
      nnPurity(new Float32Array(Z.subarray(0, U * 16)), 16, g.users.map(data.communityOfUser)),
    ).toBeGreaterThanOrEqual(0.9);
  });
  it('embeds a new item inductively, from its edges alone, into its community', () => {
    const U = g.users.length,
      d = 16;
    // Community centroids of the trained item embeddings.
    const centroid = Array.from({ length: K }, () => new Float32Array(d)),
      count = new Array(K).fill(0);
    g.items.forEach((t, k) => {
      const c = data.communityOfItem(t);
      count[c]++;
      for (let j = 0; j < d; j++) centroid[c]![j] += Z[(U + k) * d + j]!;
    });
    const rng = new Rng(77);
    let right = 0,
      trials = 0;
    for (let c = 0; c < K; c++) {
      for (let t = 0; t < 5; t++) {
        const members = g.users.filter((u) => data.communityOfUser(u) === c);
        const nbrs = Array.from({ length: 4 }, () => nodeOf(g, 'user', members[rng.int(members.length)]!)!);
        const z = embedNewNode(model, nbrs);
        const all = new Float32Array([...z, ...centroid.flatMap((x) => [...x])]);
        let best = -1,
          bestSim = -Infinity;
        for (let k = 0; k < K; k++) {
          const s = cosine(all, 0, k + 1, d);
          if (s > bestSim) {
            bestSim = s;
            best = k;
          }
        }
        trials++;
        if (best === c) right++;
      }
    }
    expect(right / trials).toBeGreaterThanOrEqual(0.95);
  });
});
