// The bipartite user–item graph of an interaction log, as one adjacency (CSR) over all nodes:
// node n < users.length is user n, node users.length + k is item k. Repeated interactions make one edge.

export interface BipartiteGraph {
  users: string[];
  items: string[];
  userIndex: Map<string, number>;
  /** Item token → item number k (its node is users.length + k). */
  itemIndex: Map<string, number>;
  nodeCount: number;
  /** Neighbours of node n: neighbours[offsets[n] .. offsets[n+1]). */
  offsets: Int32Array;
  neighbours: Int32Array;
  /** Unique edges as (user node, item node) pairs: edges[2e], edges[2e+1]. */
  edges: Int32Array;
}

export function buildBipartiteGraph(log: { users: ArrayLike<string>; items: ArrayLike<string> }): BipartiteGraph {
  const userIndex = new Map<string, number>(),
    itemIndex = new Map<string, number>();
  const n = log.users.length;
  const u = new Int32Array(n),
    it = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let a = userIndex.get(log.users[r]!);
    if (a === undefined) userIndex.set(log.users[r]!, (a = userIndex.size));
    let b = itemIndex.get(log.items[r]!);
    if (b === undefined) itemIndex.set(log.items[r]!, (b = itemIndex.size));
    u[r] = a;
    it[r] = b;
  }
  const U = userIndex.size;
  const seen = new Set<number>();
  const pairs: number[] = [];
  for (let r = 0; r < n; r++) {
    const key = u[r]! * itemIndex.size + it[r]!;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push(u[r]!, U + it[r]!);
  }
  const edges = Int32Array.from(pairs);
  const nodeCount = U + itemIndex.size;
  const { offsets, neighbours } = adjacency(nodeCount, edges);
  return {
    users: [...userIndex.keys()],
    items: [...itemIndex.keys()],
    userIndex,
    itemIndex,
    nodeCount,
    offsets,
    neighbours,
    edges,
  };
}

/** Undirected CSR adjacency from (a, b) pairs. */
export function adjacency(nodeCount: number, edges: Int32Array): { offsets: Int32Array; neighbours: Int32Array } {
  const degree = new Int32Array(nodeCount + 1);
  for (let e = 0; e < edges.length; e += 2) {
    degree[edges[e]! + 1]++;
    degree[edges[e + 1]! + 1]++;
  }
  const offsets = new Int32Array(nodeCount + 1);
  for (let v = 0; v < nodeCount; v++) offsets[v + 1] = offsets[v]! + degree[v + 1]!;
  const fill = offsets.slice(0, nodeCount);
  const neighbours = new Int32Array(edges.length);
  for (let e = 0; e < edges.length; e += 2) {
    const a = edges[e]!,
      b = edges[e + 1]!;
    neighbours[fill[a]!++] = b;
    neighbours[fill[b]!++] = a;
  }
  return { offsets, neighbours };
}

/** Node index of a user or item token, or undefined when the graph does not know it. */
export function nodeOf(g: BipartiteGraph, kind: 'user' | 'item', token: string): number | undefined {
  if (kind === 'user') return g.userIndex.get(token);
  const k = g.itemIndex.get(token);
  return k === undefined ? undefined : g.users.length + k;
}
