import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/engine/graph.js';
import { scratch } from '../../src/engine/kernels.js';
import { createModel, featureSpec } from '../../src/models/index.js';
import type { MultiTaskModel } from '../../src/models/model.js';
import { gatherBatch } from '../../src/training/batches.js';
import { Rng } from '../../src/util/rng.js';
import { tinyConfig, tinyFunnel } from '../training/fixtures.js';

const split = tinyFunnel(64, 5);
const idx = Int32Array.from({ length: 32 }, (_, i) => i);
const batchOf = (m: MultiTaskModel) => gatherBatch(split, idx, m.tasks, scratch);

function logits(m: MultiTaskModel, g: Graph): Float32Array[] {
  return m.forward(g, batchOf(m)).logits.map((l) => Float32Array.from(l.data.subarray(0, l.size)));
}

describe('dropout (model.dropout: bottom, towers, experts)', () => {
  for (const type of ['shared-bottom', 'mmoe', 'ple', 'esmm']) {
    it(`${type}: off at evaluation (equals the same weights without dropout), seeded and active in training`, () => {
      const withDropout = createModel(tinyConfig([`model.type=${type}`, 'model.dropout=0.3']), featureSpec(split));
      const without = createModel(tinyConfig([`model.type=${type}`]), featureSpec(split));
      const evalA = logits(withDropout, new Graph({ training: false }));
      const evalB = logits(without, new Graph({ training: false }));
      expect(evalA).toEqual(evalB);
      const train = (seed: number) => logits(withDropout, new Graph({ training: true, rng: new Rng(seed) }));
      const t1 = train(1);
      expect(train(1)).toEqual(t1);
      expect(t1[0]).not.toEqual(evalA[0]);
      expect(train(2)[0]).not.toEqual(t1[0]);
    });
  }
});

/** Names of the tables that receive a gradient from task t's logit alone (and the rows they get). */
function tablesReachedBy(m: MultiTaskModel, t: number): Map<string, number[]> {
  m.store.zeroGrad();
  const g = new Graph({ training: true, rng: new Rng(1) });
  const batch = batchOf(m);
  const out = m.forward(g, batch).logits[t]!;
  g.backward(out, new Float32Array(out.size).fill(1));
  const reached = new Map<string, number[]>();
  for (const table of m.store.tables()) {
    const rows = Array.from(table.sparseGrad().rows);
    if (rows.length > 0) reached.set(table.name, rows);
  }
  return reached;
}

describe('model.taskEmbeddings', () => {
  const ids = (k: number) => [...new Set(Array.from(idx, (i) => split.categorical[k]!.ids[i]!))].sort((a, b) => a - b);

  it("shared+per-task: a task's logit reaches the shared tables and its own, sparsely; never another task's", () => {
    const m = createModel(tinyConfig(['model.taskEmbeddings=shared+per-task']), featureSpec(split));
    expect(m.store.tables().map((t) => t.name)).toEqual([
      'emb.user',
      'emb.item',
      'emb.click/user',
      'emb.click/item',
      'emb.cart/user',
      'emb.cart/item',
      'emb.order/user',
      'emb.order/item',
    ]);
    const reached = tablesReachedBy(m, 1);
    expect([...reached.keys()]).toEqual(['emb.user', 'emb.item', 'emb.cart/user', 'emb.cart/item']);
    // Sparse: exactly the batch's ids, in every table the task reads.
    expect(reached.get('emb.cart/user')).toEqual(ids(0));
    expect(reached.get('emb.item')).toEqual(ids(1));
  });

  it('per-task: each task reads only its own tables, through shared nets; nothing is shared for loss balancing', () => {
    const m = createModel(tinyConfig(['model.type=mmoe', 'model.taskEmbeddings=per-task']), featureSpec(split));
    expect(m.store.tables().map((t) => t.name)).toEqual([
      'emb.click/user',
      'emb.click/item',
      'emb.cart/user',
      'emb.cart/item',
      'emb.order/user',
      'emb.order/item',
    ]);
    expect([...tablesReachedBy(m, 2).keys()]).toEqual(['emb.order/user', 'emb.order/item']);
    expect(m.sharesRepresentation).toBe(false);
    // The experts are shared: one set of expert weights whatever the task count.
    expect(m.store.params().filter((p) => p.name.startsWith('expert.0.')).length).toBe(2);
  });

  it('single-task already owns per-task tables: another mode is a clear error', () => {
    expect(() =>
      createModel(tinyConfig(['model.type=single-task', 'model.taskEmbeddings=per-task']), featureSpec(split)),
    ).toThrow("model.taskEmbeddings 'per-task': model type 'single-task' already gives every task its own tables");
  });
});

describe('model.embeddingInit', () => {
  const std = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);

  it("'scaled' draws each table's rows from N(0, 1/dim); a number is a fixed std (default 0.01)", () => {
    const spec = {
      categorical: [
        { name: 'a', vocabSize: 4000, dim: 4 },
        { name: 'b', vocabSize: 1000, dim: 64 },
      ],
      denseCount: 0,
    };
    const scaled = createModel(tinyConfig(['model.embeddingInit=scaled']), spec).store.tables();
    expect(std(scaled[0]!.data)).toBeCloseTo(1 / 2, 1);
    expect(std(scaled[1]!.data)).toBeCloseTo(1 / 8, 1);
    const fixed = createModel(tinyConfig([]), spec).store.tables();
    for (const t of fixed) expect(std(t.data)).toBeCloseTo(0.01, 3);
  });

  it('the FM term starts at the scale of the embeddings, not ~1e-4 (0.01²)', () => {
    const fmStd = (init: string) => {
      const m = createModel(tinyConfig(['model.interaction=fm', `model.embeddingInit=${init}`]), featureSpec(split));
      const g = new Graph({ training: false });
      const x = g.features({
        rows: 32,
        fields: m.store.tables().map((table, k) => ({ table, ids: batchOf(m).categorical[k]! })),
      });
      const y = g.fm(x, [0, 4], 4);
      return std(y.data.subarray(0, y.size));
    };
    expect(fmStd('scaled')).toBeGreaterThan(0.1);
    expect(fmStd('0.01')).toBeLessThan(1e-3);
  });
});

describe('interaction config errors name the key', () => {
  const issues = (set: string[]) => {
    try {
      tinyConfig(set);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('dot without a group and an item feature, unknown or numeric fields, unequal dims', () => {
    expect(issues(['model.interaction=dot'])).toMatch(
      /model\.interactionFields: the dot interaction pairs the group \(user\) feature with the item feature/,
    );
    expect(issues(['model.interaction=fm', 'model.interactionFields=["user","d0","nope"]'])).toMatch(
      /expected ID input features .* got 'd0', 'nope'/,
    );
    const spec = {
      categorical: [
        { name: 'user', vocabSize: 5, dim: 4 },
        { name: 'item', vocabSize: 5, dim: 3 },
      ],
      denseCount: 0,
    };
    expect(() =>
      createModel(tinyConfig(['model.interaction=fm', 'model.interactionFields=["user","item"]']), spec),
    ).toThrow("model.interaction 'fm': the fields need one embeddingDim, got user 4, item 3");
    expect(() => createModel(tinyConfig(['model.interaction=fm']), spec)).toThrow(
      "only 'user' has the largest embeddingDim (4)",
    );
  });

  it('training.dropout points at model.dropout', () => {
    expect(issues(['training.dropout=0.2'])).toMatch(/'dropout' \(it is 'model\.dropout'/);
  });
});
