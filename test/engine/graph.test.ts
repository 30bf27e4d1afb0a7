import { describe, it, expect } from 'vitest';
import { Graph } from '../../src/engine/graph.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { ParamStore, type Parameter, type EmbeddingTable } from '../../src/engine/params.js';
import { xavierUniform, normal } from '../../src/engine/init.js';
import { Rng } from '../../src/util/rng.js';

// Finite-difference gradient checks. Every op is wrapped into a scalar L = Σ out ⊙ R (R random, fixed), its
// analytic gradient taken by backward(out, R), and compared with central differences of L computed in
// float64 from the float32 forward. Relative error is measured over the whole gradient vector.

const EPS = 3e-3;
const TOL = 1e-2;

function randArray(rng: Rng, n: number, awayFromZero = false): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = rng.normal();
    if (awayFromZero) v = Math.sign(v || 1) * (0.1 + Math.abs(v));
    a[i] = v;
  }
  return a;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(na), Math.sqrt(nb), 1e-8);
}

interface Case {
  /** Leaves to differentiate (their data is perturbed in place). */
  leaves: Float32Array[];
  params?: Parameter[];
  tables?: EmbeddingTable[];
  forward(g: Graph, leaves: Tensor[]): Tensor;
}

function projected(out: Tensor, R: Float32Array): number {
  let s = 0;
  for (let i = 0; i < out.size; i++) s += out.data[i]! * R[i]!;
  return s;
}

function gradCheck(c: Case, seed = 1): void {
  const rng = new Rng(seed);
  const build = () => {
    const g = new Graph({ training: true, rng: new Rng(99) });
    const leaves = c.leaves.map((d) => g.input(d, 1, d.length, true));
    return { g, leaves, out: c.forward(g, leaves) };
  };
  const first = build();
  const R = randArray(rng, first.out.size);
  for (const p of c.params ?? []) p.grad.fill(0);
  for (const t of c.tables ?? []) t.zeroGrad();
  first.g.backward(first.out, R);
  // Copy every gradient out now: the finite-difference forwards below recycle the step's scratch memory.
  const leafGrads = first.leaves.map((l) => Array.from(l.grad ?? new Float32Array(l.size)));
  const sparse = (c.tables ?? []).map((t) => {
    const g = t.sparseGrad();
    return { rows: Array.from(g.rows), values: Array.from(g.values) };
  });
  const loss = () => projected(build().out, R);
  const numeric = (data: Float32Array, idx: number[]) =>
    idx.map((i) => {
      const v = data[i]!;
      data[i] = v + EPS;
      const up = loss();
      data[i] = v - EPS;
      const down = loss();
      data[i] = v;
      return (up - down) / (2 * EPS);
    });
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);
  first.leaves.forEach((leaf, k) => {
    expect(relErr(leafGrads[k]!, numeric(c.leaves[k]!, all(leaf.size))), `leaf ${k}`).toBeLessThan(TOL);
  });
  for (const p of c.params ?? []) {
    expect(relErr(Array.from(p.grad), numeric(p.data, all(p.size))), p.name).toBeLessThan(TOL);
  }
  (c.tables ?? []).forEach((t, k) => {
    // Densify the sparse gradient; every row (touched or not) is checked against finite differences.
    const dense = new Float64Array(t.vocab * t.dim);
    const sg = sparse[k]!;
    for (let r = 0; r < sg.rows.length; r++)
      for (let d = 0; d < t.dim; d++) dense[sg.rows[r]! * t.dim + d] = sg.values[r * t.dim + d]!;
    for (let r = 1; r < sg.rows.length; r++) expect(sg.rows[r]!).toBeGreaterThan(sg.rows[r - 1]!);
    expect(relErr(Array.from(dense), numeric(t.data, all(t.vocab * t.dim))), t.name).toBeLessThan(TOL);
  });
}

function sparseRows(table: EmbeddingTable, lookup: (g: Graph) => Tensor): number[] {
  const g = new Graph({ training: true });
  table.zeroGrad();
  const y = lookup(g);
  g.backward(y, new Float32Array(y.size).fill(1));
  return Array.from(table.sparseGrad().rows);
}

const reshape = (g: Graph, t: Tensor, rows: number, cols: number): Tensor => g.reshape(t, rows, cols);

describe('finite-difference gradients of every op', () => {
  const rng = new Rng(7);
  const store = new ParamStore(3);
  const W = store.dense('W', 5, 4, xavierUniform);
  const b = store.dense('b', 1, 4, normal(0.5));

  it('linear (bias, no activation)', () => {
    gradCheck({
      leaves: [randArray(rng, 15)],
      params: [W, b],
      forward: (g, [x]) => g.linear(reshape(g, x!, 3, 5), W, b),
    });
  });
  it('linear with fused ReLU, no bias', () => {
    gradCheck({
      leaves: [randArray(rng, 15)],
      params: [W],
      forward: (g, [x]) => g.linear(reshape(g, x!, 3, 5), W, null, 'relu'),
    });
  });
  it('linear with fused ReLU and bias', () => {
    gradCheck({
      leaves: [randArray(rng, 20)],
      params: [W, b],
      forward: (g, [x]) => g.linear(reshape(g, x!, 4, 5), W, b, 'relu'),
    });
  });
  it('add, sum, mul, scale', () => {
    gradCheck({ leaves: [randArray(rng, 6), randArray(rng, 6)], forward: (g, [a, c]) => g.add(a!, c!) });
    gradCheck({
      leaves: [randArray(rng, 6), randArray(rng, 6), randArray(rng, 6)],
      forward: (g, [a, c, d]) => g.sum([a!, c!, d!], [0.5, -2, 3]),
    });
    gradCheck({ leaves: [randArray(rng, 6), randArray(rng, 6)], forward: (g, [a, c]) => g.mul(a!, c!) });
    gradCheck({ leaves: [randArray(rng, 6)], forward: (g, [a]) => g.scale(a!, -1.7) });
    // The same tensor used twice: gradients from both uses add up.
    gradCheck({ leaves: [randArray(rng, 6)], forward: (g, [a]) => g.mul(a!, g.add(a!, a!)) });
  });
  it('relu, sigmoid, softmax (row-wise)', () => {
    gradCheck({ leaves: [randArray(rng, 8, true)], forward: (g, [a]) => g.relu(a!) });
    gradCheck({ leaves: [randArray(rng, 8)], forward: (g, [a]) => g.sigmoid(a!) });
    gradCheck({ leaves: [randArray(rng, 12)], forward: (g, [a]) => g.softmax(reshape(g, a!, 3, 4)) });
  });
  it('tanh, leaky ReLU, GELU', () => {
    gradCheck({ leaves: [randArray(rng, 8)], forward: (g, [a]) => g.tanh(a!) });
    gradCheck({ leaves: [randArray(rng, 8, true)], forward: (g, [a]) => g.leakyRelu(a!) });
    gradCheck({ leaves: [randArray(rng, 8, true)], forward: (g, [a]) => g.leakyRelu(a!, 0.2) });
    gradCheck({ leaves: [randArray(rng, 12)], forward: (g, [a]) => g.gelu(a!) });
  });
  it('ops on engine memory (the wasm kernels) give the same gradients', () => {
    // g.scale copies a leaf into the step's scratch memory, so the ops below run on the wasm kernels
    // (leaves given as plain arrays take the reference loops).
    const inWasm = (g: Graph, a: Tensor) => g.scale(a, 1);
    for (const act of ['relu', 'sigmoid', 'tanh', 'leakyRelu', 'gelu'] as const) {
      gradCheck({
        leaves: [randArray(rng, 10, true)],
        forward: (g, [a]) => g.mul(g[act](inWasm(g, a!)), inWasm(g, a!)),
      });
    }
    gradCheck({
      leaves: [randArray(rng, 15), randArray(rng, 20), randArray(rng, 20), randArray(rng, 20)],
      forward: (g, [gl, e1, e2, e3]) =>
        g.weightedSum(g.softmax(reshape(g, inWasm(g, gl!), 5, 3)), [
          reshape(g, inWasm(g, e1!), 5, 4),
          reshape(g, inWasm(g, e2!), 5, 4),
          reshape(g, inWasm(g, e3!), 5, 4),
        ]),
    });
    gradCheck({
      leaves: [randArray(rng, 5), randArray(rng, 15)],
      forward: (g, [a, c]) => {
        const x = inWasm(g, a!),
          y = reshape(g, inWasm(g, c!), 5, 3);
        return g.slice(g.concat([reshape(g, x, 5, 1), y, reshape(g, x, 5, 1)]), 1, 5);
      },
    });
  });
  it('dropout (fixed mask from the seed)', () => {
    gradCheck({ leaves: [randArray(rng, 20)], forward: (g, [a]) => g.dropout(a!, 0.4) });
  });
  it('reshape', () => {
    gradCheck({
      leaves: [randArray(rng, 6)],
      forward: (g, [a]) => g.mul(reshape(g, a!, 3, 2), reshape(g, g.scale(a!, 2), 3, 2)),
    });
  });
  it('concat and slice', () => {
    gradCheck({
      leaves: [randArray(rng, 6), randArray(rng, 9)],
      forward: (g, [a, c]) => g.concat([reshape(g, a!, 3, 2), reshape(g, c!, 3, 3), reshape(g, a!, 3, 2)]),
    });
    gradCheck({ leaves: [randArray(rng, 15)], forward: (g, [a]) => g.slice(reshape(g, a!, 3, 5), 1, 4) });
    // Two slices of one tensor feeding one output.
    gradCheck({
      leaves: [randArray(rng, 15)],
      forward: (g, [a]) => {
        const x = reshape(g, a!, 3, 5);
        return g.mul(g.slice(x, 0, 2), g.slice(x, 3, 5));
      },
    });
  });
  it('fm: pairwise term over field blocks (value against Σ_{f<g} e_f⊙e_g, gradient against differences)', () => {
    // 3 rows × 11 columns: fields of width 3 at columns 0, 3 and 7 (columns 6 and 10 are not fields).
    const offsets = [0, 3, 7],
      x = randArray(rng, 33);
    const y = new Graph({ training: false }).fm(new Graph({ training: false }).input(x, 3, 11), offsets, 3);
    for (let r = 0; r < 3; r++)
      for (let k = 0; k < 3; k++) {
        let brute = 0;
        for (let f = 0; f < 3; f++)
          for (let h = f + 1; h < 3; h++) brute += x[r * 11 + offsets[f]! + k]! * x[r * 11 + offsets[h]! + k]!;
        expect(y.at(r, k)).toBeCloseTo(brute, 5);
      }
    gradCheck({ leaves: [randArray(rng, 33)], forward: (g, [a]) => g.fm(reshape(g, a!, 3, 11), offsets, 3) });
    // Beside another consumer of the same input (gradients add up).
    gradCheck({
      leaves: [randArray(rng, 33)],
      forward: (g, [a]) => {
        const x = reshape(g, a!, 3, 11);
        return g.concat([g.slice(x, 2, 5), g.fm(x, offsets, 3)]);
      },
    });
  });
  it('fieldDots: row-wise dot products of block pairs', () => {
    const x = randArray(rng, 24),
      y = new Graph({ training: false }).fieldDots(new Graph({ training: false }).input(x, 3, 8), [[0, 4]], 3);
    for (let r = 0; r < 3; r++) {
      let brute = 0;
      for (let k = 0; k < 3; k++) brute += x[r * 8 + k]! * x[r * 8 + 4 + k]!;
      expect(y.at(r, 0)).toBeCloseTo(brute, 5);
    }
    gradCheck({
      leaves: [randArray(rng, 24)],
      forward: (g, [a]) =>
        g.fieldDots(
          reshape(g, a!, 3, 8),
          [
            [0, 4],
            [1, 5],
          ],
          3,
        ),
    });
    expect(() =>
      new Graph({ training: false }).fieldDots(new Graph({ training: false }).input(x, 3, 8), [[0, 6]], 3),
    ).toThrow(/block \[6, 9\) is outside the input's 8 columns/);
  });
  it('weightedSum (mixture of experts) with a softmax gate', () => {
    gradCheck({
      leaves: [randArray(rng, 9), randArray(rng, 12), randArray(rng, 12), randArray(rng, 12)],
      forward: (g, [gl, e1, e2, e3]) =>
        g.weightedSum(g.softmax(reshape(g, gl!, 3, 3)), [
          reshape(g, e1!, 3, 4),
          reshape(g, e2!, 3, 4),
          reshape(g, e3!, 3, 4),
        ]),
    });
  });
  it('embedding lookup with repeated ids gives a sparse gradient of unique sorted rows', () => {
    const s = new ParamStore(11);
    const table = s.embedding('t', 7, 3, normal(1));
    const ids = Int32Array.from([4, 1, 4, 6, 1, 4]);
    gradCheck({ leaves: [], tables: [table], forward: (g) => g.embedding(table, ids) });
    expect(sparseRows(table, (g) => g.embedding(table, ids))).toEqual([1, 4, 6]);
  });
  it('embeddingBag, mean and sum pooling, repeated ids and an empty bag', () => {
    for (const pooling of ['mean', 'sum'] as const) {
      const s = new ParamStore(12);
      const table = s.embedding('t', 6, 2, normal(1));
      const offsets = Int32Array.from([0, 3, 3, 5, 6]);
      const ids = Int32Array.from([2, 5, 2, 0, 5, 3]);
      gradCheck({ leaves: [], tables: [table], forward: (g) => g.embeddingBag(table, offsets, ids, pooling) });
      expect(sparseRows(table, (g) => g.embeddingBag(table, offsets, ids, pooling))).toEqual([0, 2, 3, 5]);
      // Bags over the middle of a longer id array: ids outside offsets[0]..offsets[B] are not rows of the gradient.
      const wide = Int32Array.from([9, 2, 5, 2, 0, 5, 3, 99]);
      expect(sparseRows(table, (g) => g.embeddingBag(table, Int32Array.from([1, 4, 4, 6, 7]), wide, pooling))).toEqual([
        0, 2, 3, 5,
      ]);
    }
  });
  it('features: lookups, bags and dense columns in one buffer, one table shared by two fields', () => {
    const s = new ParamStore(13);
    const t1 = s.embedding('a', 5, 2, normal(1)),
      t2 = s.embedding('b', 4, 3, normal(1));
    const f1 = Int32Array.from([0, 3, 3]),
      f2 = Int32Array.from([1, 1, 2]);
    const offsets = Int32Array.from([0, 2, 3, 3]),
      bagIds = Int32Array.from([4, 0, 4]);
    const dense = randArray(rng, 6);
    gradCheck({
      leaves: [],
      tables: [t1, t2],
      forward: (g) =>
        g.linear(
          g.features({
            rows: 3,
            fields: [
              { table: t1, ids: f1 },
              { table: t2, ids: f2 },
              { table: t1, ids: f2 },
            ],
            bags: [{ table: t1, offsets, ids: bagIds, pooling: 'mean' }],
            dense,
            denseCols: 2,
          }),
          W2,
          null,
        ),
    });
  });
  const W2 = store.dense('W2', 11, 2, xavierUniform);
  it('weighted BCE with logits: Σ wᵢ lossᵢ / B, 0/1 and soft labels', () => {
    const labels = Uint8Array.from([1, 0, 0, 1, 1]);
    const weights = Float32Array.from([1, 4, 0.5, 2, 0]);
    gradCheck({
      leaves: [randArray(rng, 5)],
      forward: (g, [x]) => g.bceWithLogits(reshape(g, x!, 5, 1), labels, weights),
    });
    gradCheck({
      leaves: [randArray(rng, 5)],
      forward: (g, [x]) => g.bceWithLogits(reshape(g, x!, 5, 1), Float32Array.from([0.2, 1, 0, 0.7, 0.5])),
    });
  });
  it('BCE value against the textbook formula', () => {
    const g = new Graph({ training: true });
    const x = Float32Array.from([2, -1, 0.5]),
      y = Uint8Array.from([1, 0, 0]),
      w = Float32Array.from([1, 3, 0.5]);
    const loss = g.bceWithLogits(g.input(x, 3, 1, true), y, w);
    const p = (v: number) => 1 / (1 + Math.exp(-v));
    const expected = (-Math.log(p(2)) * 1 - Math.log(1 - p(-1)) * 3 - Math.log(1 - p(0.5)) * 0.5) / 3;
    expect(loss.data[0]).toBeCloseTo(expected, 6);
  });
});

describe('tape behaviour', () => {
  it('a backward pass only visits nodes reached from its root', () => {
    const g = new Graph({ training: true });
    const a = g.input(Float32Array.from([1, 2]), 1, 2, true),
      b = g.input(Float32Array.from([3, 4]), 1, 2, true);
    const ya = g.scale(a, 2);
    g.scale(b, 5);
    g.backward(ya, Float32Array.from([1, 1]));
    expect(Array.from(a.grad!)).toEqual([2, 2]);
    expect(b.grad).toBeNull();
  });
  it('repeated backward passes over shared inner nodes accumulate into leaves once per pass', () => {
    const g = new Graph({ training: true });
    const a = g.input(Float32Array.from([1, -2]), 1, 2, true);
    const h = g.scale(a, 3);
    const y1 = g.scale(h, 2),
      y2 = g.mul(h, h);
    g.backward(y1, Float32Array.from([1, 1]));
    g.backward(y2, Float32Array.from([1, 1]));
    // d(2·3a)/da = 6; d(9a²)/da = 18a.
    expect(Array.from(a.grad!)).toEqual([6 + 18, 6 - 36]);
  });
  it('inference graphs record nothing', () => {
    const g = new Graph({ training: false });
    const s = new ParamStore(1);
    const W = s.dense('W', 2, 2, xavierUniform);
    g.linear(g.input(Float32Array.from([1, 2]), 1, 2), W, null, 'relu');
    expect(g.tapeLength).toBe(0);
  });
  it('bad ids and shapes are reported, not read out of bounds', () => {
    const g = new Graph({ training: true });
    const t = new ParamStore(1).embedding('user', 10, 2, normal(1));
    expect(() => g.embedding(t, Int32Array.from([3, 10]))).toThrow(/user.*id 10 at row 1/);
    expect(() => g.add(g.input(new Float32Array(2), 1, 2), g.input(new Float32Array(3), 1, 3))).toThrow(
      /shapes differ/,
    );
  });
});

describe('multi-task flow: detach the shared part, one backward per task, then the combined gradient', () => {
  it('equals a single backward of the weighted sum of the task losses', async () => {
    const { SharedBottomWorkload, syntheticBatches } = await import('../../src/bench/engine.js');
    const cfg = { fields: 3, vocab: 40, dim: 4, dense: 2, bottom: [8, 6], tower: [5], tasks: 3, seed: 5 };
    const model = new SharedBottomWorkload(cfg);
    const batch = syntheticBatches(cfg, 1, 16, 9)[0]!;
    const w = [0.7, 2, 0.1];
    const snapshot = () => ({
      dense: model.store.params().map((p) => Array.from(p.grad)),
      sparse: model.store.tables().map((t) => {
        const g = t.sparseGrad();
        return [Array.from(g.rows), Array.from(g.values)];
      }),
    });
    const taskLosses = (g: Graph, h: Tensor) =>
      model.towers.map((t, k) =>
        g.bceWithLogits(t.out.forward(g, t.hidden.forward(g, h)), batch.labels[k]!, batch.weights[k]),
      );

    // Reference: one backward of Σ w_t L_t.
    model.store.zeroGrad();
    let g = new Graph({ training: true });
    let h = model.bottom.forward(g, model.input.forward(g, batch.features));
    g.backward(g.sum(taskLosses(g, h), w));
    const expected = snapshot();

    // Per-task passes through the towers collect dL_t/dH at the detached H, then one pass through the bottom.
    model.store.zeroGrad();
    g = new Graph({ training: true });
    h = model.bottom.forward(g, model.input.forward(g, batch.features));
    const hd = g.detach(h);
    const losses = taskLosses(g, hd);
    const combined = new Float32Array(h.size);
    losses.forEach((loss, k) => {
      hd.grad?.fill(0);
      g.backward(loss, Float32Array.of(w[k]!));
      for (let i = 0; i < combined.length; i++) combined[i] = combined[i]! + hd.grad![i]!;
    });
    g.backward(h, combined);
    const got = snapshot();

    got.dense.forEach((grad, k) =>
      expect(relErr(grad, expected.dense[k]!), model.store.params()[k]!.name).toBeLessThan(1e-5),
    );
    got.sparse.forEach(([rows, values], k) => {
      expect(rows).toEqual(expected.sparse[k]![0]);
      expect(relErr(values!, expected.sparse[k]![1]!)).toBeLessThan(1e-5);
    });
    expect(got.dense.some((grad) => grad.some((v) => v !== 0))).toBe(true);
  });
});

describe('backward with { paramGrads: false }', () => {
  it('gives the same tensor gradients and leaves parameters and tables untouched', async () => {
    const { SharedBottomWorkload, syntheticBatches } = await import('../../src/bench/engine.js');
    const cfg = { fields: 3, vocab: 40, dim: 4, dense: 2, bottom: [8, 6], tower: [5], tasks: 2, seed: 6 };
    const model = new SharedBottomWorkload(cfg);
    const batch = syntheticBatches(cfg, 1, 16, 3)[0]!;
    const run = (paramGrads: boolean) => {
      model.store.zeroGrad();
      const g = new Graph({ training: true });
      const x = model.input.forward(g, batch.features);
      const h = model.bottom.forward(g, x);
      const t = model.towers[0]!;
      const loss = g.bceWithLogits(t.out.forward(g, t.hidden.forward(g, h)), batch.labels[0]!, batch.weights[0]);
      g.backward(loss, undefined, { paramGrads });
      return {
        dx: Array.from(x.grad!),
        dh: Array.from(h.grad!),
        dense: model.store.params().map((p) => p.grad.some((v) => v !== 0)),
        tableRows: model.store.tables().map((tb) => tb.sparseGrad().rows.length),
      };
    };
    const full = run(true),
      inputsOnly = run(false);
    expect(inputsOnly.dh).toEqual(full.dh);
    expect(inputsOnly.dx).toEqual(full.dx);
    expect(full.dense.some(Boolean)).toBe(true);
    expect(inputsOnly.dense.every((nonzero) => !nonzero)).toBe(true);
    expect(inputsOnly.tableRows.every((n) => n === 0)).toBe(true);
    // the next plain backward computes parameter gradients again
    expect(run(true).dense).toEqual(full.dense);
  });
});
