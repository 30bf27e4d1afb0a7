import { describe, expect, it } from 'vitest';
import { FastAuc, positiveRows } from '../../src/fusion/fast-auc.js';
import { fuseInto } from '../../src/fusion/forms.js';
import {
  WasmAuc,
  kernelModule,
  placeColumns,
  scratchBytes,
  taskGroup,
  unionPositives,
} from '../../src/fusion/wasm-auc.js';
import { ComboScorer } from '../../src/fusion/scorer.js';
import { auc } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';

/** Mann–Whitney by brute force over all positive–negative pairs (ties ½): the independent reference. */
function bruteAuc(s: Float64Array, y: Uint8Array): number {
  let wins = 0,
    pairs = 0;
  for (let i = 0; i < s.length; i++) {
    if (!y[i]) continue;
    for (let j = 0; j < s.length; j++) {
      if (y[j]) continue;
      pairs++;
      wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

/** Three columns placed in a kernel memory with room for `scorers` scorers, plus the WasmAuc and FastAuc over them. */
// MTRANK_KERNELS=js runs everything on the JavaScript pass; otherwise the kernel build must be there.
const forcedJs = process.env.MTRANK_KERNELS === 'js';
const module = await kernelModule();

function setup(cols: Float64Array[], y: Uint8Array, scorers = 1) {
  if (!module) throw new Error('kernel build missing: run `node scripts/build.mjs`');
  const P = positiveRows(y).length,
    n = y.length;
  const { kernel, columns } = placeColumns(module, cols, scratchBytes(n, P), scorers);
  return {
    kernel,
    columns,
    wasm: new WasmAuc(kernel, n, P),
    js: new FastAuc(n, P),
    task: { labels: y, positives: positiveRows(y) },
  };
}

const shapes: [string, (u: number) => number][] = [
  ['5 levels: ties within and across classes', (u) => Math.floor(u * 5) / 5],
  ['mass crammed near 0', (u) => Math.pow(u, 12)],
  ['range near machine precision', (u) => 0.5 + Math.floor(u * 1000) * 1e-17],
  ['nearly constant with outliers', (u) => (u < 0.999 ? 0.25 : 0.25 + u)],
  ['log scores (all negative)', (u) => Math.log(u)],
  ['mixed sign, many zeros and negative zeros', (u) => (u < 0.2 ? 0 : u < 0.4 ? -0 : u - 0.6)],
  ['huge magnitudes of both signs', (u) => (u - 0.5) * 1e300],
  ['two values only', (u) => (u < 0.5 ? 1 : 2)],
];

describe.skipIf(forcedJs)('WasmAuc (the wasm row pass)', () => {
  it('equals brute force, the sort-based auc and the JavaScript pass exactly, on heavy ties and odd ranges', () => {
    const rng = new Rng(11);
    for (const [name, shape] of shapes) {
      for (const rate of [0.002, 0.05, 0.5, 0.97]) {
        const n = 2999; // not a multiple of 4 (the scalar tail) and spanning several 1024-row blocks
        const s = new Float64Array(n),
          y = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          y[i] = rng.float() < rate ? 1 : 0;
          s[i] = shape(Math.min(0.999999, rng.float() * 0.8 + 0.2 * y[i]));
        }
        if (!y.includes(1) || !y.includes(0)) continue;
        const { columns, wasm, js, task } = setup([s], y);
        const got = wasm.auc(columns[0], task);
        expect(got, `${name}, rate ${rate}`).toBe(js.auc(s, task));
        expect(got, `${name}, rate ${rate}`).toBe(auc(s, y));
        expect(Math.abs(got - bruteAuc(s, y)), `${name}, rate ${rate}`).toBeLessThan(1e-12);
      }
    }
  });

  it('fuses a·x + b·y + c·z on the fly exactly like fuseInto, including crowded slots and dense positives', () => {
    const rng = new Rng(12);
    const n = 5003;
    // Coarse columns: many fused scores tie exactly, across positives and negatives; most slots are crowded.
    const cols = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => Math.round(rng.float() * 20) / 20));
    for (const rate of [0.01, 0.3]) {
      const y = Uint8Array.from({ length: n }, (_, i) => (rng.float() < rate * (0.5 + cols[0][i]) ? 1 : 0));
      const { columns, wasm, js, task } = setup(cols, y);
      const f = new Float64Array(n);
      for (const [a, b, c] of [
        [1, 0, 0],
        [0, 0, 3],
        [1, 2, 3],
        [7, 1, 10],
        [0.1, 0.7, 0.3],
      ]) {
        fuseInto([a, b, c], cols, f);
        const want = auc(f, y);
        expect(wasm.aucOf(a, columns[0], b, columns[1], c, columns[2], task), `w=${[a, b, c]} rate ${rate}`).toBe(want);
        expect(js.aucOf(a, cols[0], b, cols[1], c, cols[2], task), `w=${[a, b, c]} rate ${rate}`).toBe(want);
      }
    }
  });

  it('scores up to 4 tasks in one pass exactly like each task alone and brute force, with ties and overlapping labels', () => {
    const rng = new Rng(14);
    const n = 2501;
    for (const [name, shape] of shapes) {
      const cols = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => shape(rng.float() * 0.999999)));
      // Funnel-nested labels (click ⊇ cart ⊇ order), an independent one, and one positive on most rows.
      const click = Uint8Array.from(cols[0], (v, i) => (rng.float() < 0.15 + 0.2 * (i % 3) ? 1 : 0));
      const cart = Uint8Array.from(click, (c) => (c && rng.float() < 0.2 ? 1 : 0));
      const order = Uint8Array.from(cart, (c) => (c && rng.float() < 0.3 ? 1 : 0));
      const other = Uint8Array.from({ length: n }, () => (rng.float() < 0.9 ? 1 : 0));
      const labels = [click, cart, order, other].filter((y) => y.includes(1) && y.includes(0));
      const { kernel, columns } = placeColumns(module!, cols, scratchBytes(n, unionPositives(labels)), 1);
      const wasm = new WasmAuc(kernel, n, unionPositives(labels));
      const f = new Float64Array(n);
      for (const [a, b, c] of [
        [1, 0, 0],
        [0, 2, 5],
        [1, 2, 3],
        [3, 1, 0],
      ]) {
        fuseInto([a, b, c], cols, f);
        for (let T = 1; T <= labels.length; T++) {
          const tasks = Array.from({ length: T }, (_, t) => t);
          const out = new Float64Array(T);
          wasm.aucsOf(a, columns[0], b, columns[1], c, columns[2], taskGroup(tasks, labels, columns), out);
          tasks.forEach((t) => {
            const one = wasm.aucOf(a, columns[0], b, columns[1], c, columns[2], {
              labels: labels[t],
              positives: positiveRows(labels[t]),
            });
            expect(out[t], `${name}, w=${[a, b, c]}, task ${t} of ${T}`).toBe(one);
            expect(out[t], `${name}, w=${[a, b, c]}, task ${t} of ${T}`).toBe(auc(f, labels[t]));
          });
        }
        if (name.startsWith('5 levels'))
          labels.forEach((y, t) => expect(Math.abs(auc(f, y) - bruteAuc(f, y)), `task ${t}`).toBeLessThan(1e-12));
      }
    }
  });

  it('scores a union of more than 4,096 positives (the capped table) exactly like each task alone', () => {
    const rng = new Rng(15);
    const n = 30011;
    const cols = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => Math.round(rng.float() * 1e5) / 1e5));
    const labels = [0.3, 0.05, 0.01].map((rate, t) =>
      Uint8Array.from(cols[t], (v) => (rng.float() < rate * (0.5 + v) ? 1 : 0)),
    );
    const U = unionPositives(labels);
    expect(U).toBeGreaterThan(4096);
    const { kernel, columns } = placeColumns(module!, cols, scratchBytes(n, U), 1);
    const wasm = new WasmAuc(kernel, n, U);
    const group = taskGroup([0, 1, 2], labels, columns);
    const out = new Float64Array(3),
      f = new Float64Array(n);
    for (const [a, b, c] of [
      [1, 0, 0],
      [1, 2, 3],
      [0, 5, 1],
    ]) {
      wasm.aucsOf(a, columns[0], b, columns[1], c, columns[2], group, out);
      fuseInto([a, b, c], cols, f);
      labels.forEach((y, t) => expect(out[t], `w=${[a, b, c]}, task ${t}`).toBe(auc(f, y)));
    }
  });

  it('gives scorers sharing one kernel memory separate scratch, and the same results as the JavaScript scorer', () => {
    const rng = new Rng(13);
    const n = 3001,
      T = 5; // two task groups: 4 + 1
    const cols = Array.from({ length: T }, () =>
      Float64Array.from({ length: n }, () => Math.floor(rng.float() * 40) / 40),
    );
    const labels = cols.map((c) => Uint8Array.from(c, (v) => (rng.float() < 0.05 + 0.4 * v ? 1 : 0)));
    const maxP = unionPositives(labels); // a scorer scores the tasks as one group over their union of positives
    const { kernel, columns } = placeColumns(module!, cols, scratchBytes(n, maxP, T), 2);
    const inWasm = [
      new ComboScorer({ rows: n, columns, labels, kernel }),
      new ComboScorer({ rows: n, columns, labels, kernel }),
    ];
    const inJs = new ComboScorer({ rows: n, columns: cols, labels });
    const a = new Float64Array(T + 1),
      b = new Float64Array(T + 1),
      c = new Float64Array(T + 1);
    for (const w of [
      [0, 0, 0, 0, 0],
      [0, 2, 0, 0, 0],
      [1, 0, 3, 0, 0],
      [1, 2, 3, 0, 0],
      [1, 2, 3, 4, 0],
      [1, 2, 3, 4, 5],
    ]) {
      const request = { taskMask: 0b11111, withGauc: false };
      inWasm[0].score(w, request, a);
      inWasm[1].score(w, request, b);
      inJs.score(w, request, c);
      expect([...a], `w=${w}`).toEqual([...c]);
      expect([...b], `w=${w}`).toEqual([...c]);
    }
  });
});
