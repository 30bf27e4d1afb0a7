import { describe, expect, it } from 'vitest';
import { Graph, ParamStore, Adam, Sgd, normal } from '../../src/engine/index.js';
import { initFromPretrained } from '../../src/features/vector-init.js';
import {
  fromPretrained,
  isFrozen,
  pretrainedGroup,
  pretrainedLrGroups,
  PretrainedModes,
} from '../../src/pretrain/modes.js';
import { Rng } from '../../src/util/rng.js';

const vocab = new Map([
  ['a', 1],
  ['b', 2],
  ['c', 3],
]);
const vectors = { tokens: ['a', 'b', 'z'], dim: 4, data: Float32Array.from({ length: 12 }, (_, i) => (i - 6) / 10) };

/** A tiny model: look up item rows, one dense layer, BCE; returns the pretrained table after `steps` Adam steps. */
function train(mode: 'freeze' | 'finetune' | 'freeze-then-finetune', steps: number, unfreezeAfter?: number) {
  const init = initFromPretrained(vocab, 4, vectors, { dim: 4, rng: new Rng(1), extendVocab: true });
  const store = new ParamStore(3);
  const table = store.embedding('item', init.vocabSize, 4, fromPretrained(init), pretrainedGroup('item'));
  const W = store.dense('w', 4, 1, normal(0.5));
  const before = Float32Array.from(table.data);
  const opt = new Adam(store, {
    lr: 0.05,
    groups: pretrainedLrGroups({ item: { pretrained: { path: 'x', format: 'auto', mode, lrScale: 0.5 } } }, 0.05),
  });
  const modes = new PretrainedModes([{ table, mode, unfreezeAfter }], 100);
  const snapshots: Float32Array[] = [];
  for (let s = 0; s < steps; s++) {
    modes.beforeStep(s);
    store.zeroGrad();
    const g = new Graph({ training: true });
    const x = g.embedding(table, Int32Array.from([1, 2, 3, 4, 0]));
    const loss = g.bceWithLogits(g.linear(x, W, null), Uint8Array.from([1, 0, 1, 0, 1]));
    g.backward(loss);
    opt.step();
    snapshots.push(Float32Array.from(table.data));
  }
  return { init, table, before, snapshots, opt };
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const same = (a: Float32Array, b: Float32Array) => bytes(a).equals(bytes(b));

describe('pretrained modes on the engine optimizer', () => {
  it('the table starts as the prepared pretrained table', () => {
    const { init, before } = train('freeze', 0);
    expect(same(before, init.data)).toBe(true);
  });
  it('freeze leaves the vectors byte-identical', () => {
    const { before, table } = train('freeze', 5);
    expect(same(before, table.data)).toBe(true);
  });
  it('finetune changes them', () => {
    const { before, table } = train('finetune', 5);
    expect(same(before, table.data)).toBe(false);
  });
  it('freeze-then-finetune: identical for unfreezeAfter steps, then changing', () => {
    const { before, snapshots } = train('freeze-then-finetune', 5, 3);
    expect(snapshots.slice(0, 3).every((s) => same(s, before))).toBe(true);
    expect(same(snapshots[3]!, before)).toBe(false);
  });
  it('lrScale sets the group learning rate', () => {
    const { opt } = train('finetune', 0);
    expect(opt.lrFor(pretrainedGroup('item'))).toBeCloseTo(0.025, 12);
    expect(opt.lrFor('default')).toBeCloseTo(0.05, 12);
  });
  it('freeze-then-finetune defaults to one epoch of steps', () => {
    expect(isFrozen({ mode: 'freeze-then-finetune' }, 99, 100)).toBe(true);
    expect(isFrozen({ mode: 'freeze-then-finetune' }, 100, 100)).toBe(false);
  });
  it('with plain SGD the finetuned update equals lr·scale times the gradient direction (group lr applies)', () => {
    const init = initFromPretrained(vocab, 4, vectors, { dim: 4, rng: new Rng(1) });
    const store = new ParamStore(3);
    const table = store.embedding('item', init.vocabSize, 4, fromPretrained(init), pretrainedGroup('item'));
    const W = store.dense('w', 4, 1, normal(0.5));
    W.frozen = true;
    const sgd = new Sgd(store, { lr: 0.1, groups: { [pretrainedGroup('item')]: { lr: 0.02 } } });
    const g = new Graph({ training: true });
    const loss = g.bceWithLogits(g.linear(g.embedding(table, Int32Array.from([1])), W, null), Uint8Array.from([1]));
    g.backward(loss);
    const before = Float32Array.from(table.data);
    const grad = table.sparseGrad().values.slice(0, 4);
    sgd.step();
    for (let c = 0; c < 4; c++) expect(table.data[4 + c]).toBeCloseTo(before[4 + c]! - 0.02 * grad[c]!, 6);
  });
});
