import { describe, it, expect } from 'vitest';
import { ParamStore, type EmbeddingTable } from '../../src/engine/params.js';
import { Graph } from '../../src/engine/graph.js';
import { zeros, normal } from '../../src/engine/init.js';
import { Adam, Adagrad, Sgd, type Optimizer } from '../../src/engine/optim/index.js';
import { clipGradNorm } from '../../src/engine/clip.js';
import { Rng } from '../../src/util/rng.js';

const close = (got: ArrayLike<number>, want: ArrayLike<number>, rel = 2e-6) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want[i]!)));
};

/** A 1×2 parameter p0 and its gradients g_1, g_2 of two steps; run an optimizer on it. */
function twoSteps(make: (s: ParamStore) => Optimizer, p0: number[], grads: number[][]): number[] {
  const s = new ParamStore(1);
  const p = s.dense('p', 1, 2, zeros);
  p.data.set(p0);
  const opt = make(s);
  for (const g of grads) {
    p.grad.set(g);
    opt.step();
  }
  return Array.from(p.data);
}

describe('dense updates against hand-computed steps (float64)', () => {
  const p0 = [1, -2],
    grads = [
      [0.5, -1],
      [0.1, 0.2],
    ];

  it('SGD with momentum and weight decay', () => {
    const lr = 0.1,
      mu = 0.9,
      wd = 0.01;
    const want = p0.map((p, i) => {
      let buf = 0;
      for (const g of grads) {
        buf = mu * buf + g[i]! + wd * p;
        p -= lr * buf;
      }
      return p;
    });
    close(
      twoSteps((s) => new Sgd(s, { lr, momentum: mu, weightDecay: wd }), p0, grads),
      want,
    );
    // Step 1 by hand: buf = 0.5 + 0.01 → p = 1 − 0.051.
    expect(twoSteps((s) => new Sgd(s, { lr, momentum: mu, weightDecay: wd }), p0, grads.slice(0, 1))[0]).toBeCloseTo(
      0.949,
      6,
    );
  });

  /** Weight decay: none, L2 on the gradient (Adam), decoupled from it (AdamW: p ← p·(1 − lr·wd) first). */
  const DECAYS = [
    { name: 'no decay', weightDecay: 0, decoupled: false },
    { name: 'L2 weight decay', weightDecay: 0.1, decoupled: false },
    { name: 'decoupled weight decay (AdamW)', weightDecay: 0.1, decoupled: true },
  ];

  for (const { name, weightDecay: wd, decoupled } of DECAYS) {
    it(`Adam with bias correction, ${name}`, () => {
      const lr = 0.01,
        b1 = 0.9,
        b2 = 0.999,
        eps = 1e-8;
      const want = p0.map((p, i) => {
        let m = 0,
          v = 0;
        grads.forEach((gs, k) => {
          const t = k + 1;
          if (decoupled) p *= 1 - lr * wd;
          const g = gs[i]! + (decoupled ? 0 : wd * p);
          m = b1 * m + (1 - b1) * g;
          v = b2 * v + (1 - b2) * g * g;
          p -= (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
        });
        return p;
      });
      close(
        twoSteps((s) => new Adam(s, { lr, weightDecay: wd, decoupled }), p0, grads),
        want,
      );
    });
  }

  it('the first Adam step moves every coordinate by ≈ lr·sign(g); AdamW shrinks it by lr·wd·p first', () => {
    close(
      twoSteps((s) => new Adam(s, { lr: 0.01 }), p0, grads.slice(0, 1)),
      [1 - 0.01, -2 + 0.01],
      1e-6,
    );
    close(
      twoSteps((s) => new Adam(s, { lr: 0.01, weightDecay: 0.5, decoupled: true }), p0, grads.slice(0, 1)),
      [1 * (1 - 0.005) - 0.01, -2 * (1 - 0.005) + 0.01],
      1e-6,
    );
  });

  it('Adagrad', () => {
    const lr = 0.1,
      eps = 1e-10;
    const want = p0.map((p, i) => {
      let acc = 0;
      for (const gs of grads) {
        const g = gs[i]!;
        acc += g * g;
        p -= (lr * g) / (Math.sqrt(acc) + eps);
      }
      return p;
    });
    close(
      twoSteps((s) => new Adagrad(s, { lr }), p0, grads),
      want,
    );
  });

  it('group learning rates, setLr scaling both, frozen and out-of-scope parameters untouched', () => {
    const s = new ParamStore(1);
    const a = s.dense('a', 1, 1, zeros),
      b = s.dense('b', 1, 1, zeros, 'tower'),
      c = s.dense('c', 1, 1, zeros);
    const t = s.embedding('t', 4, 1, zeros);
    c.frozen = true;
    const opt = new Sgd(s, { lr: 0.1, groups: { tower: { lr: 0.5 } }, scope: 'dense' });
    for (const p of [a, b, c]) p.grad[0] = 1;
    opt.step();
    expect([a.data[0], b.data[0], c.data[0]]).toEqual([Math.fround(-0.1), -0.5, 0]);
    opt.setLr(0.05);
    expect(opt.lrFor('tower')).toBeCloseTo(0.25, 12);
    opt.step();
    expect(a.data[0]).toBeCloseTo(-0.15, 6);
    expect(b.data[0]).toBeCloseTo(-0.75, 6);
    expect(Array.from(t.data)).toEqual([0, 0, 0, 0]);
  });
});

/** Run lookups of `ids` through a graph so the table gets the sparse gradient Σ over rows of R. */
function lookupGrad(table: EmbeddingTable, ids: number[], R: Float32Array): void {
  const g = new Graph({ training: true });
  table.zeroGrad();
  const y = g.embedding(table, Int32Array.from(ids));
  g.backward(y, R.subarray(0, y.size));
}

describe('lazy (sparse) updates of embedding tables', () => {
  const V = 32,
    D = 4; // 512-byte tables: the heap places them back to back (64-byte alignment), so updates join
  const steps = [
    [3, 7, 3, 29, 0],
    [7, 8, 8, 8],
    [0, 29, 15, 3],
  ];

  interface Step {
    rows: number[];
    values: number[];
    before: Float32Array;
    after: Float32Array;
  }

  /**
   * Three tables of one store, all looked up in every step (one features() call): consecutive tables are
   * updated by one joined kernel call, so a wrong row offset would show in the middle and last table.
   */
  function run(make: (s: ParamStore) => Optimizer) {
    const s = new ParamStore(21);
    const tables = ['a', 't', 'c'].map((name) => s.embedding(name, V, D, normal(1)));
    const initial = tables.map((t) => Float32Array.from(t.data));
    const opt = make(s);
    const rng = new Rng(4);
    const history: Step[][] = tables.map(() => []);
    for (const list of steps) {
      const ids = Int32Array.from(list);
      const g = new Graph({ training: true });
      s.zeroGrad();
      const y = g.features({ rows: ids.length, fields: tables.map((table) => ({ table, ids })) });
      g.backward(
        y,
        new Float32Array(y.size).map(() => rng.normal()),
      );
      const grads = tables.map((t) => t.sparseGrad());
      const before = tables.map((t) => Float32Array.from(t.data));
      opt.step();
      tables.forEach((t, k) =>
        history[k]!.push({
          rows: Array.from(grads[k]!.rows),
          values: Array.from(grads[k]!.values),
          before: before[k]!,
          after: Float32Array.from(t.data),
        }),
      );
    }
    return tables.map((table, k) => ({ table, initial: initial[k]!, history: history[k]! }));
  }

  const bytes = (a: Float32Array, row: number) =>
    Array.from(new Uint8Array(a.buffer, a.byteOffset + row * D * 4, D * 4));

  for (const { name, wd, decoupled } of [
    { name: '', wd: 0, decoupled: false },
    { name: ', L2 on the touched rows', wd: 0.2, decoupled: false },
    { name: ', decoupled decay of the touched rows', wd: 0.2, decoupled: true },
  ])
    it(`sparse Adam equals the Adam formulas on touched rows (float64) and leaves other rows byte-identical${name}`, () => {
      const lr = 0.05,
        b1 = 0.9,
        b2 = 0.999,
        eps = 1e-8;
      for (const { table, initial, history } of run((s) => new Adam(s, { lr, weightDecay: wd, decoupled }))) {
        // Float64 lazy Adam: a row's moments and value change only in the steps that touch it; global step count.
        const p = Array.from(initial),
          m = new Float64Array(V * D),
          v = new Float64Array(V * D);
        history.forEach(({ rows, values, before, after }, k) => {
          const t = k + 1;
          for (let r = 0; r < V; r++)
            if (!rows.includes(r))
              expect(bytes(after, r), `${table.name} step ${t} row ${r}`).toEqual(bytes(before, r));
          rows.forEach((row, j) => {
            for (let d = 0; d < D; d++) {
              const i = row * D + d;
              if (decoupled) p[i] = p[i]! * (1 - lr * wd);
              const g = values[j * D + d]! + (decoupled ? 0 : wd * p[i]!);
              m[i] = b1 * m[i]! + (1 - b1) * g;
              v[i] = b2 * v[i]! + (1 - b2) * g * g;
              p[i] = p[i]! - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps);
            }
          });
        });
        close(table.data, p, 1e-5);
        // Never-touched rows are bit-for-bit the initial values.
        const touched = new Set(steps.flat());
        for (let r = 0; r < V; r++) if (!touched.has(r)) expect(bytes(table.data, r)).toEqual(bytes(initial, r));
      }
    });

  it('sparse Adagrad equals dense Adagrad on the densified gradient (a zero gradient leaves a row unchanged)', () => {
    for (const { table, initial, history } of run((s) => new Adagrad(s, { lr: 0.1 }))) {
      const s = new ParamStore(1);
      const dense = s.dense('t', V, D, zeros);
      dense.data.set(initial);
      const opt = new Adagrad(s, { lr: 0.1 });
      for (const { rows, values } of history) {
        dense.grad.fill(0);
        rows.forEach((row, j) => dense.grad.set(values.slice(j * D, j * D + D), row * D));
        opt.step();
      }
      close(table.data, dense.data, 1e-6);
    }
  });

  it('a frozen table between two others is left alone', () => {
    const s = new ParamStore(2);
    const tables = ['a', 'b', 'c'].map((name) => s.embedding(name, V, D, normal(1)));
    tables[1]!.frozen = true;
    const opt = new Adam(s, { lr: 0.1 });
    const before = tables.map((t) => Float32Array.from(t.data));
    const g = new Graph({ training: true });
    const ids = Int32Array.from([1, 2]);
    const y = g.features({ rows: 2, fields: tables.map((table) => ({ table, ids })) });
    g.backward(y, new Float32Array(y.size).fill(1));
    opt.step();
    expect(tables[1]!.data).toEqual(before[1]);
    expect(tables[0]!.data).not.toEqual(before[0]);
    expect(tables[2]!.data).not.toEqual(before[2]);
  });

  it('sparse SGD with lazy momentum equals the formulas on touched rows', () => {
    const lr = 0.1,
      mu = 0.5;
    for (const { table, initial, history } of run((s) => new Sgd(s, { lr, momentum: mu }))) {
      const p = Array.from(initial),
        buf = new Float64Array(V * D);
      for (const { rows, values } of history) {
        rows.forEach((row, j) => {
          for (let d = 0; d < D; d++) {
            const i = row * D + d;
            buf[i] = mu * buf[i]! + values[j * D + d]!;
            p[i] = p[i]! - lr * buf[i]!;
          }
        });
      }
      close(table.data, p, 1e-5);
    }
  });

  it('repeated ids are summed into one row of the sparse gradient', () => {
    const s = new ParamStore(1);
    const table = s.embedding('t', 10, 2, normal(1));
    lookupGrad(table, [4, 2, 4, 4], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const g = table.sparseGrad();
    expect(Array.from(g.rows)).toEqual([2, 4]);
    expect(Array.from(g.values)).toEqual([3, 4, 1 + 5 + 7, 2 + 6 + 8]);
  });
});

describe('gradient-norm clipping', () => {
  it('scales dense and sparse gradients to the global norm, returns the norm before clipping', () => {
    const s = new ParamStore(1);
    const p = s.dense('p', 1, 3, zeros);
    const table = s.embedding('t', 10, 2, normal(1));
    p.grad.set([3, 0, -4]);
    lookupGrad(table, [1, 1, 5], Float32Array.from([1, 2, 3, 4, 6, 0]));
    // Sparse rows: row1 = [4, 6], row5 = [6, 0] → squares 16 + 36 + 36 = 88; dense 25.
    const norm = clipGradNorm(s, 5);
    expect(norm).toBeCloseTo(Math.sqrt(113), 5);
    const c = 5 / (Math.sqrt(113) + 1e-6);
    close(p.grad, [3 * c, 0, -4 * c], 1e-6);
    close(table.sparseGrad().values, [4 * c, 6 * c, 6 * c, 0], 1e-6);
    // Below the limit: untouched.
    expect(clipGradNorm(s, 100)).toBeCloseTo(5, 4);
    close(p.grad, [3 * c, 0, -4 * c], 1e-6);
  });
});
