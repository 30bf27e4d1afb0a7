// Shared fixtures for the pretraining tests: planted clusters and nearest-neighbour purity by brute force.
import { Rng } from '../../src/util/rng.js';

/** Users each prefer one of `clusters` item groups; `noise` is the share of uniformly random interactions. */
export function plantedLog(o: {
  clusters: number;
  itemsPerCluster: number;
  users: number;
  length: number;
  noise: number;
  seed: number;
}) {
  const rng = new Rng(o.seed);
  const users: string[] = [],
    items: string[] = [],
    time: number[] = [];
  const clusterOfItem = (i: number) => Math.floor(i / o.itemsPerCluster);
  const nItems = o.clusters * o.itemsPerCluster;
  for (let u = 0; u < o.users; u++) {
    const c = u % o.clusters;
    for (let k = 0; k < o.length; k++) {
      const item = rng.float() < o.noise ? rng.int(nItems) : c * o.itemsPerCluster + rng.int(o.itemsPerCluster);
      users.push(`u${u}`);
      items.push(`i${item}`);
      time.push(1000 - k); // reversed time: the builder must sort
    }
  }
  return { users, items, time, clusterOfItem, nItems, clusterOfUser: (u: number) => u % o.clusters };
}

export function cosine(a: Float32Array, i: number, j: number, dim: number): number {
  let d = 0,
    ni = 0,
    nj = 0;
  for (let c = 0; c < dim; c++) {
    const x = a[i * dim + c]!,
      y = a[j * dim + c]!;
    d += x * y;
    ni += x * x;
    nj += y * y;
  }
  return d / Math.sqrt(ni * nj + 1e-30);
}

/** Share of rows whose cosine nearest neighbour (other than itself) has the same label. */
export function nnPurity(data: Float32Array, dim: number, labels: number[]): number {
  const n = labels.length;
  let same = 0;
  for (let i = 0; i < n; i++) {
    let best = -1,
      bestSim = -Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const s = cosine(data, i, j, dim);
      if (s > bestSim) {
        bestSim = s;
        best = j;
      }
    }
    if (labels[best] === labels[i]) same++;
  }
  return same / n;
}
