import { describe, expect, it } from 'vitest';
import { coldStartBreakdown, createColdStartLookup, itemSeenFlags } from '../../src/pretrain/cold-start.js';
import { buildBipartiteGraph, nodeOf } from '../../src/pretrain/graph.js';
import { createModel, embedNewNode } from '../../src/pretrain/graphsage.js';
import { Rng } from '../../src/util/rng.js';

/** Brute-force AUC: share of (positive, negative) pairs ordered right, ties half. */
function pairAuc(s: number[], y: number[]): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < s.length; i++)
    for (let j = 0; j < s.length; j++) {
      if (y[i] === 1 && y[j] === 0) {
        den++;
        num += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
    }
  return num / den;
}

describe('cold-start report', () => {
  it('flags rows whose item occurs in training (OOV never counts as seen)', () => {
    expect(Array.from(itemSeenFlags(Int32Array.from([1, 2, 2, 0]), Int32Array.from([2, 3, 0, 1])))).toEqual([
      1, 0, 0, 1,
    ]);
  });
  it('splits per-task AUC into seen and unseen rows, matching brute force', () => {
    const rng = new Rng(4),
      n = 200;
    const seen = Uint8Array.from({ length: n }, () => (rng.float() < 0.6 ? 1 : 0));
    const click = Uint8Array.from({ length: n }, () => (rng.float() < 0.4 ? 1 : 0));
    const score = Float32Array.from(click, (y) => Math.round((y * 0.3 + rng.float()) * 20) / 20); // ties on purpose
    const order = new Uint8Array(n); // unseen rows: one class only → AUC null
    for (let i = 0; i < n; i++) order[i] = seen[i] ? click[i]! : 0;
    const r = coldStartBreakdown({ scores: { click: score, order: score }, labels: { click, order }, itemSeen: seen });
    for (const want of [1, 0] as const) {
      const idx = [...Array(n).keys()].filter((i) => seen[i] === want);
      const slice = want ? r.click!.seen : r.click!.unseen;
      expect(slice.rows).toBe(idx.length);
      expect(slice.positives).toBe(idx.filter((i) => click[i]).length);
      expect(slice.auc).toBeCloseTo(
        pairAuc(
          idx.map((i) => score[i]!),
          idx.map((i) => click[i]!),
        ),
        12,
      );
    }
    expect(r.order!.unseen.auc).toBeNull();
    expect(r.order!.seen.auc).not.toBeNull();
  });
  it('rejects mismatched lengths', () => {
    expect(() =>
      coldStartBreakdown({
        scores: { a: new Float32Array(3) },
        labels: { a: new Uint8Array(2) },
        itemSeen: new Uint8Array(3),
      }),
    ).toThrow(/task 'a'/);
  });
});

describe('cold-start lookup at inference', () => {
  // Table rows: 0 = OOV, 1 = 'a' (trained), 2 = 'b' (trained), 3 = 'x' (appended from the pretrained file).
  const dim = 2;
  const table = Float32Array.from([0, 0, 1, 1, 2, 2, 3, 3]);
  const vocab = new Map([
    ['a', 1],
    ['b', 2],
    ['x', 3],
  ]);
  const pretrained = { tokens: ['y'], dim, data: Float32Array.from([9, 9]) };
  const graph = buildBipartiteGraph({ users: ['u1', 'u2', 'u1'], items: ['a', 'b', 'b'] });
  const model = createModel(graph, { dim, layers: 2, fanout: [2, 2] }, new Rng(1));
  const lookup = createColdStartLookup({
    vocab,
    table,
    dim,
    trainedRows: 3,
    pretrained,
    inductive: { model, kind: 'item' },
  });
  it('known ID → its row; appended ID → pretrained; file-only ID → the file vector', () => {
    expect(lookup.resolve('a')).toMatchObject({ source: 'trained', row: 1 });
    expect(Array.from(lookup.resolve('a').vector)).toEqual([1, 1]);
    expect(lookup.resolve('x')).toMatchObject({ source: 'pretrained', row: 3 });
    expect(Array.from(lookup.resolve('y').vector)).toEqual([9, 9]);
    expect(lookup.resolve('y').source).toBe('pretrained');
  });
  it('unknown ID with edges → inductive GraphSAGE vector; without edges (or unknown edges) → OOV row', () => {
    const r = lookup.resolve('new', ['u1', 'nobody']);
    expect(r.source).toBe('inductive');
    expect(Array.from(r.vector)).toEqual(Array.from(embedNewNode(model, [nodeOf(graph, 'user', 'u1')!])));
    expect(lookup.resolve('new')).toMatchObject({ source: 'oov', row: 0 });
    expect(lookup.resolve('new', ['nobody']).source).toBe('oov');
  });
  it('refuses vectors of another dimension', () => {
    expect(() =>
      createColdStartLookup({
        vocab,
        table,
        dim,
        trainedRows: 3,
        pretrained: { tokens: [], dim: 3, data: new Float32Array(0) },
      }),
    ).toThrow(/dimension 3/);
  });
});
