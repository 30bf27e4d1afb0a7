// GraphSAGE model file (JSON; arrays as base64 little-endian float32/int32), so predict can embed new nodes
// inductively later. Holds the weights and the graph the layer outputs are computed from.
import { readFileSync } from 'node:fs';
import { MtrankError, placeMessage } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { GraphSageModel } from './graphsage.js';
import type { BipartiteGraph } from './graph.js';

const FORMAT = 'mtrank-graphsage/1';
const enc = (a: Float32Array | Int32Array | null) =>
  a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') : null;
function f32(s: string | null): Float32Array | null {
  if (s === null) return null;
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function i32(s: string): Int32Array {
  const b = Buffer.from(s, 'base64');
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function saveGraphSage(path: string, m: GraphSageModel): void {
  const g = m.graph;
  writeFileAtomic(
    path,
    JSON.stringify({
      format: FORMAT,
      dim: m.dim,
      fanout: m.fanout,
      featureDim: m.featureDim,
      layers: m.layers.map((l) => ({ din: l.din, dout: l.dout, ws: enc(l.ws), wn: enc(l.wn), b: enc(l.b) })),
      embedding: enc(m.embedding),
      projection: enc(m.projection),
      features: enc(m.features),
      featureMean: enc(m.featureMean),
      featureStd: enc(m.featureStd),
      graph: {
        users: g.users,
        items: g.items,
        offsets: enc(g.offsets),
        neighbours: enc(g.neighbours),
        edges: enc(g.edges),
      },
    }),
  );
}

export function loadGraphSage(path: string): GraphSageModel {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, checked field by field below
  let j: any;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new MtrankError(placeMessage({ file: path }, `cannot read GraphSAGE model: ${(e as Error).message}`));
  }
  if (j?.format !== FORMAT)
    throw new MtrankError(
      placeMessage(
        { file: path },
        `not a GraphSAGE model file (format ${JSON.stringify(j?.format)}, expected ${FORMAT})`,
      ),
    );
  const users: string[] = j.graph.users,
    items: string[] = j.graph.items;
  const graph: BipartiteGraph = {
    users,
    items,
    userIndex: new Map(users.map((t, k) => [t, k])),
    itemIndex: new Map(items.map((t, k) => [t, k])),
    nodeCount: users.length + items.length,
    offsets: i32(j.graph.offsets),
    neighbours: i32(j.graph.neighbours),
    edges: i32(j.graph.edges),
  };
  return {
    graph,
    dim: j.dim,
    fanout: j.fanout,
    featureDim: j.featureDim,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON
    layers: j.layers.map((l: any) => ({ din: l.din, dout: l.dout, ws: f32(l.ws)!, wn: f32(l.wn)!, b: f32(l.b)! })),
    embedding: f32(j.embedding),
    projection: f32(j.projection),
    features: f32(j.features),
    featureMean: f32(j.featureMean),
    featureStd: f32(j.featureStd),
  };
}
