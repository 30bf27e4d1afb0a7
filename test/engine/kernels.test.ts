import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../../src/engine/kernels.js';
import * as R from '../../src/engine/reference-kernels.js';
import { Rng } from '../../src/util/rng.js';

const rng = new Rng(7);
const fill = (a: Float32Array, r = rng) => {
  for (let i = 0; i < a.length; i++) a[i] = r.float() * 2 - 1;
  return a;
};
const heapRandom = (n: number) => fill(K.heap.f32(n));
/** A heap array set from a function of the index (TypedArray.map would return an array outside the heap). */
const heapFrom = (n: number, f: (i: number) => number) => {
  const a = K.heap.f32(n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
};

/** Independent float64 product op(A)·op(B) plus, per element, Σ|a·b| (the scale of its rounding error). */
function naiveProduct(M: number, N: number, Kd: number, A: Float32Array, B: Float32Array, o: K.GemmOptions) {
  const prod = new Float64Array(M * N),
    mag = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0,
        m = 0;
      for (let k = 0; k < Kd; k++) {
        const p = (o.transA ? A[k * M + i]! : A[i * Kd + k]!) * (o.transB ? B[j * Kd + k]! : B[k * N + j]!);
        s += p;
        m += Math.abs(p);
      }
      prod[i * N + j] = s;
      mag[i * N + j] = m;
    }
  return { prod, mag };
}

/** The epilogue on top of a naive product: (+C0) (+bias) (ReLU). */
function withEpilogue(p: { prod: Float64Array; mag: Float64Array }, N: number, C0: Float32Array, o: K.GemmOptions) {
  const out = new Float64Array(p.prod.length),
    mag = new Float64Array(p.prod.length);
  for (let i = 0; i < out.length; i++) {
    let s = p.prod[i]!,
      m = p.mag[i]!;
    if (o.accumulate) {
      s += C0[i]!;
      m += Math.abs(C0[i]!);
    }
    if (o.bias) {
      s += o.bias[i % N]!;
      m += Math.abs(o.bias[i % N]!);
    }
    out[i] = o.relu ? Math.max(0, s) : s;
    mag[i] = m;
  }
  return { out, mag };
}

function naiveGemm(
  M: number,
  N: number,
  Kd: number,
  A: Float32Array,
  B: Float32Array,
  C0: Float32Array,
  o: K.GemmOptions,
) {
  return withEpilogue(naiveProduct(M, N, Kd, A, B, o), N, C0, o);
}

function expectClose(got: Float32Array, want: Float64Array, mag: Float64Array, what: string) {
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= 2e-6 * mag[i]! + 1e-30))
      throw new Error(`${what}: element ${i} is ${got[i]}, expected ${want[i]} (error ${err})`);
  }
}

// Odd sizes, K above the kernel's 256-deep blocks, N above its 1024-wide blocks, and shapes big enough to
// be split over threads by rows (M large) and by columns (M small).
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 17],
  [17, 33, 5],
  [33, 130, 3],
  [130, 17, 33],
  [5, 1, 130],
  [7, 300, 513],
  [2, 1030, 3],
  [130, 129, 65],
];
const OPTIONS: K.GemmOptions[] = [
  {},
  { relu: true },
  { accumulate: true },
  { bias: undefined, relu: true, accumulate: true },
];
const FORMS = [{}, { transA: true }, { transB: true }, { transA: true, transB: true }];
const VARIANTS = (['relaxed', 'simd'] as const).filter((v) => K.variantAvailable(v));

afterAll(async () => {
  K.useKernels('relaxed');
  await K.shutdownThreads();
});

describe.each(VARIANTS)('%s kernels', (variant) => {
  it.each([1, 2])('gemm in every form matches a naive loop on %i thread(s)', (threads) => {
    K.useKernels(variant);
    K.setThreads(threads);
    expect(K.kernelInfo()).toEqual({ variant, threads });
    for (const [M, N, Kd] of SHAPES) {
      const A = heapRandom(M * Kd),
        B = heapRandom(Kd * N),
        bias = heapRandom(N);
      for (const form of FORMS) {
        const product = naiveProduct(M, N, Kd, A, B, form);
        for (const base of OPTIONS)
          for (const withBias of [false, true]) {
            const o: K.GemmOptions = { ...form, ...base, bias: withBias ? bias : undefined };
            const C = heapRandom(M * N);
            const { out, mag } = withEpilogue(product, N, C, o);
            K.gemm(M, N, Kd, A, B, C, o);
            expectClose(C, out, mag, `${M}×${N}×${Kd} ${JSON.stringify({ ...o, bias: withBias })}`);
            K.heap.free(C);
          }
      }
      for (const x of [A, B, bias]) K.heap.free(x);
    }
  });

  it('gemm is bit-for-bit repeatable and the same on 1 and 2 threads', () => {
    K.useKernels(variant);
    const [M, N, Kd] = [257, 131, 300];
    const A = heapRandom(M * Kd),
      B = heapRandom(N * Kd),
      bias = heapRandom(N);
    const results: Float32Array[] = [];
    for (const threads of [1, 2, 2]) {
      K.setThreads(threads);
      const C = K.heap.f32(M * N);
      K.gemm(M, N, Kd, A, B, C, { transB: true, bias, relu: true });
      results.push(C);
    }
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytes(results[1]!).equals(bytes(results[2]!))).toBe(true); // two runs on 2 threads
    expect(bytes(results[0]!).equals(bytes(results[1]!))).toBe(true); // 1 thread vs 2 threads
  });

  it.each([1, 2])(
    'sparse Adam and Adagrad equal the dense formulas on touched rows, leave others untouched (%i threads)',
    (threads) => {
      K.useKernels(variant);
      K.setThreads(threads);
      const rowsN = 3000,
        dim = 13; // dim not a multiple of 4: exercises the scalar tail
      const touched = new Set<number>();
      while (touched.size < 1400) touched.add(rng.int(rowsN));
      const rows = K.heap.i32(touched.size);
      rows.set([...touched]);
      const grads = heapRandom(rows.length * dim);
      const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 3, weightDecay: 0.01 };

      const table = heapRandom(rowsN * dim),
        m = heapRandom(rowsN * dim),
        v = heapFrom(rowsN * dim, () => rng.float());
      const acc = heapFrom(rowsN * dim, () => rng.float());
      const before = { table: table.slice(), m: m.slice(), v: v.slice(), acc: acc.slice() };
      K.adamSparse(table, dim, rows, grads, m, v, h);

      // Dense Adam on compact copies of the touched rows.
      const n = rows.length * dim;
      const cp = K.heap.f32(n),
        cm = K.heap.f32(n),
        cv = K.heap.f32(n);
      rows.forEach((r, i) => {
        cp.set(before.table.subarray(r * dim, r * dim + dim), i * dim);
        cm.set(before.m.subarray(r * dim, r * dim + dim), i * dim);
        cv.set(before.v.subarray(r * dim, r * dim + dim), i * dim);
      });
      K.adamDense(cp, grads, cm, cv, h);
      const isTouched = new Uint8Array(rowsN);
      rows.forEach((r) => (isTouched[r] = 1));
      const sameRows = (sparse: Float32Array, dense: Float32Array, what: string) =>
        rows.forEach((r, i) => {
          for (let c = 0; c < dim; c++) {
            if (!Object.is(sparse[r * dim + c], dense[i * dim + c]))
              throw new Error(`${what}: row ${r} differs from the dense update`);
          }
        });
      sameRows(table, cp, 'adam table');
      sameRows(m, cm, 'adam m');
      sameRows(v, cv, 'adam v');
      for (let i = 0; i < table.length; i++) {
        if (
          !isTouched[Math.floor(i / dim)] &&
          (table[i] !== before.table[i] || m[i] !== before.m[i] || v[i] !== before.v[i])
        ) {
          throw new Error(`adam changed untouched row ${Math.floor(i / dim)}`);
        }
      }
      // And the float32 kernel agrees with the float64 reference formula.
      const rt = before.table.slice(),
        rm = before.m.slice(),
        rv = before.v.slice();
      R.adamSparse(rt, dim, rows, grads, rm, rv, h);
      let worst = 0;
      for (let i = 0; i < rt.length; i++) worst = Math.max(worst, Math.abs(table[i]! - rt[i]!));
      expect(worst).toBeLessThan(1e-6);

      // Adagrad, same checks.
      const t2 = before.table.slice(),
        a2 = before.acc.slice();
      const ht = K.heap.f32(t2.length),
        ha = K.heap.f32(a2.length);
      ht.set(t2);
      ha.set(a2);
      const hg = { lr: 0.05, eps: 1e-10, weightDecay: 0.001 };
      K.adagradSparse(ht, dim, rows, grads, ha, hg);
      const dp = K.heap.f32(n),
        da = K.heap.f32(n);
      rows.forEach((r, i) => {
        dp.set(t2.subarray(r * dim, r * dim + dim), i * dim);
        da.set(a2.subarray(r * dim, r * dim + dim), i * dim);
      });
      K.adagradDense(dp, grads, da, hg);
      sameRows(ht, dp, 'adagrad table');
      sameRows(ha, da, 'adagrad accumulator');
      for (let i = 0; i < t2.length; i++)
        if (!isTouched[Math.floor(i / dim)] && (ht[i] !== t2[i] || ha[i] !== a2[i]))
          throw new Error('adagrad touched an unlisted row');
      R.adagradSparse(t2, dim, rows, grads, a2, hg);
      worst = 0;
      for (let i = 0; i < t2.length; i++) worst = Math.max(worst, Math.abs(ht[i]! - t2[i]!));
      expect(worst).toBeLessThan(1e-6);
    },
  );

  it('row, reduction and elementwise kernels match the reference loops', () => {
    K.useKernels(variant);
    K.setThreads(2);
    const n = 1037;
    const x = heapRandom(n),
      y = heapRandom(n),
      out = K.heap.f32(n),
      want = new Float32Array(n);
    const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
      for (let i = 0; i < b.length; i++)
        if (!(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!))))
          throw new Error(`element ${i}: ${a[i]} vs ${b[i]}`);
    };
    for (const f of ['add', 'mulElementwise', 'reluBackward', 'sigmoidBackward'] as const) {
      K[f](x, y, out);
      R[f](x, y, want);
      near(out, want);
    }
    // Logits from -100 to 100: sigmoid and BCE stay finite and exact enough at the extremes.
    const logits = heapFrom(n, (i) => (i / (n - 1)) * 200 - 100);
    const labels = heapFrom(n, (i) => (i % 3 === 0 ? 1 : 0));
    const w = heapFrom(n, (i) => 1 + (i % 5));
    K.sigmoid(logits, out);
    R.sigmoid(logits, want);
    near(out, want);
    K.relu(x, out);
    R.relu(x, want);
    near(out, want);
    const d1 = K.heap.f32(n),
      d2 = new Float32Array(n);
    const l1 = K.bceWithLogits(logits, labels, w, d1, n, 0.5),
      l2 = R.bceWithLogits(logits, labels, w, d2, n, 0.5);
    expect(Number.isFinite(l1)).toBe(true);
    expect(Math.abs(l1 - l2) / l2).toBeLessThan(1e-6);
    near(d1, d2);
    expect(K.bceWithLogits(logits, labels, null, null)).toBeCloseTo(R.bceWithLogits(logits, labels, null, null), 2);
    expect(K.sumSquares(x)).toBeCloseTo(R.sumSquares(x), 9);
    const y1 = y.slice(),
      y2 = K.heap.f32(n);
    y2.set(y);
    K.axpy(n, 0.3, x, y2);
    R.axpy(n, 0.3, x, y1);
    near(y2, y1);
    K.scale(n, -1.5, y2);
    R.scale(n, -1.5, y1);
    near(y2, y1);

    const M = 37,
      N = 29;
    const dY = heapRandom(M * N),
      cs = heapRandom(N),
      csRef = cs.slice();
    K.columnSums(M, N, dY, cs, true);
    R.columnSums(M, N, dY, csRef, true);
    near(cs, csRef);

    const dim = 6,
      stride = 20,
      offset = 7,
      rowsN = 50;
    const table = heapRandom(rowsN * dim);
    const ids = K.heap.i32(3001); // > parallel threshold, with repeats
    for (let i = 0; i < ids.length; i++) ids[i] = rng.int(rowsN);
    const g = K.heap.f32(ids.length * stride),
      gRef = new Float32Array(ids.length * stride);
    K.gatherRows(table, dim, ids, g, stride, offset);
    R.gatherRows(table, dim, ids, gRef, stride, offset);
    expect(Array.from(g)).toEqual(Array.from(gRef));
    // Several fields (different tables and widths) in one job, split by rows across the threads.
    const dims = [6, 3, 16],
      t2 = heapRandom(rowsN * 3),
      t3 = heapRandom(rowsN * 16),
      wide = 6 + 3 + 16 + 2;
    const ids2 = K.heap.i32(ids.length),
      ids3 = K.heap.i32(ids.length);
    for (let i = 0; i < ids.length; i++) {
      ids2[i] = rng.int(rowsN);
      ids3[i] = rng.int(rowsN);
    }
    const fieldsOut = K.heap.f32(ids.length * wide),
      fieldsRef = new Float32Array(ids.length * wide);
    const lookups = [
      { table, dim: dims[0]!, ids, offset: 2 },
      { table: t2, dim: dims[1]!, ids: ids2, offset: 8 },
      { table: t3, dim: dims[2]!, ids: ids3, offset: 11 },
    ];
    K.gatherFields(lookups, ids.length, fieldsOut, wide);
    for (const l of lookups) R.gatherRows(l.table, l.dim, l.ids, fieldsRef, wide, l.offset);
    expect(Array.from(fieldsOut)).toEqual(Array.from(fieldsRef));
    const dst = K.heap.f32(rowsN * dim),
      dstRef = new Float32Array(rowsN * dim);
    K.scatterAddRows(dst, dim, ids, g, stride, offset);
    R.scatterAddRows(dstRef, dim, ids, gRef, stride, offset);
    near(dst, dstRef, 1e-5);
  });

  it('column, softmax, mixture and activation kernels match the reference loops', () => {
    K.useKernels(variant);
    const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 2e-6) => {
      expect(a.length).toBe(b.length);
      for (let i = 0; i < b.length; i++)
        if (!(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!))))
          throw new Error(`element ${i}: ${a[i]} vs ${b[i]}`);
    };
    // Column blocks of width 1 (a task's logit column), 3 and 17 (SIMD body + tail) inside wider rows.
    for (const width of [1, 3, 17]) {
      const rows = 13,
        src = heapRandom(rows * 23),
        dst = heapRandom(rows * 31),
        want = dst.slice();
      K.copyColumns(src, 23, 2, dst, 31, 5, width, rows);
      R.copyColumns(src, 23, 2, want, 31, 5, width, rows);
      near(dst, want, 0);
      K.addColumns(src, 23, 4, dst, 31, 9, width, rows);
      R.addColumns(src, 23, 4, want, 31, 9, width, rows);
      near(dst, want);
    }
    // Softmax rows with large logits (max subtraction) and the backward, both fresh and accumulating.
    const Rw = 9,
      C = 5;
    const x = heapFrom(Rw * C, (i) => (i % 7) * 30 - 90),
      y = K.heap.f32(Rw * C),
      yRef = new Float32Array(Rw * C);
    K.softmaxRows(x, y, Rw, C);
    R.softmaxRows(x, yRef, Rw, C);
    near(y, yRef);
    const dy = heapRandom(Rw * C),
      dx = heapRandom(Rw * C),
      dxRef = dx.slice();
    K.softmaxBackward(y, dy, dx, Rw, C, true);
    R.softmaxBackward(yRef, dy, dxRef, Rw, C, true);
    near(dx, dxRef, 1e-5);
    K.softmaxBackward(y, dy, dx, Rw, C, false);
    R.softmaxBackward(yRef, dy, dxRef, Rw, C, false);
    near(dx, dxRef, 1e-5);
    // Mixture of 3 experts of width 7 (SIMD body + tail); one expert without a gradient.
    const B = 11,
      D = 7,
      E = 3;
    const gate = heapRandom(B * E),
      experts = [heapRandom(B * D), heapRandom(B * D), heapRandom(B * D)];
    const mix = K.heap.f32(B * D),
      mixRef = new Float32Array(B * D);
    K.mixExperts(gate, experts, mix, B, D);
    R.mixExperts(gate, experts, mixRef, B, D);
    near(mix, mixRef, 1e-5);
    const g = heapRandom(B * D),
      gg = heapRandom(B * E),
      ggRef = gg.slice();
    const ge = [heapRandom(B * D), null, heapRandom(B * D)],
      geRef = ge.map((a) => a && a.slice());
    K.mixExpertsBackward(gate, experts, g, B, D, gg, ge);
    R.mixExpertsBackward(gate, experts, g, B, D, ggRef, geRef);
    near(gg, ggRef, 1e-5);
    near(ge[0]!, geRef[0]!, 1e-5);
    near(ge[2]!, geRef[2]!, 1e-5);
    // Activations over -10..10 (tanh saturates; GELU's cubic term matters), forward and backward.
    const n = 1037,
      a = heapFrom(n, (i) => (i / (n - 1)) * 20 - 10),
      out = K.heap.f32(n),
      want = new Float32Array(n);
    const up = heapRandom(n),
      d = K.heap.f32(n),
      dRef = new Float32Array(n);
    K.tanh(a, out);
    R.tanh(a, want);
    near(out, want);
    K.tanhBackward(out, up, d);
    R.tanhBackward(want, up, dRef);
    near(d, dRef, 1e-5);
    K.leakyRelu(a, out, 0.01);
    R.leakyRelu(a, want, n, 0.01);
    near(out, want);
    K.leakyReluBackward(out, up, d, 0.01);
    R.leakyReluBackward(want, up, dRef, n, 0.01);
    near(d, dRef);
    K.gelu(a, out);
    R.gelu(a, want);
    near(out, want, 1e-5);
    K.geluBackward(a, up, d);
    R.geluBackward(a, up, dRef);
    near(d, dRef, 1e-5);
  });

  it('distinct ids of several lists (sparse gradient rows) match the reference and a Set', () => {
    K.useKernels(variant);
    const list = (n: number, vocab: number) => {
      const a = K.heap.i32(n);
      for (let i = 0; i < n; i++) a[i] = rng.int(vocab);
      return a;
    };
    // Id ranges that take 1, 2, 3 and 4 radix passes; repeats; a list whose range is empty.
    const lists = [
      { ids: list(700, 100_000), from: 0, to: 700 },
      { ids: list(40, 30), from: 5, to: 33 },
      { ids: list(3, 9), from: 1, to: 1 },
    ];
    const one = (l: typeof lists) => K.distinctIds(l).rows;
    for (const vocab of [200, 60_000, 2 ** 30]) {
      const ids = list(300, vocab);
      expect(Array.from(one([{ ids, from: 0, to: 300 }]))).toEqual([...new Set(ids)].sort((x, y) => x - y));
    }
    const got = K.distinctIds(lists),
      want = R.distinctIds(lists, (n) => new Int32Array(n));
    const all = new Set<number>();
    for (const { ids, from, to } of lists) for (let i = from; i < to; i++) all.add(ids[i]!);
    expect(Array.from(got.rows)).toEqual([...all].sort((x, y) => x - y));
    expect(Array.from(got.rows)).toEqual(Array.from(want.rows));
    lists.forEach(({ ids, from, to }, j) => {
      for (let i = from; i < to; i++) {
        expect(got.slots[j]![i]).toBe(want.slots[j]![i]);
        expect(got.rows[got.slots[j]![i]!]).toBe(ids[i]);
      }
    });
  });
});

describe('arrays outside the engine memory', () => {
  it('give correct results through the reference loops or a staged copy', () => {
    K.useKernels('relaxed');
    for (const [M, N, Kd] of [
      [5, 3, 7],
      [64, 70, 33],
    ] as const) {
      // below and above the staging size
      const A = fill(new Float32Array(M * Kd)),
        B = fill(new Float32Array(N * Kd)),
        bias = fill(new Float32Array(N));
      const C = fill(new Float32Array(M * N));
      const o = { transB: true, bias, relu: true, accumulate: true };
      const { out, mag } = naiveGemm(M, N, Kd, A, B, C, o);
      K.gemm(M, N, Kd, A, B, C, o);
      expectClose(C, out, mag, `plain ${M}×${N}×${Kd}`);
    }
    const p = fill(new Float32Array(40)),
      g = fill(new Float32Array(40)),
      m = new Float32Array(40),
      v = new Float32Array(40);
    const p2 = p.slice(),
      m2 = m.slice(),
      v2 = v.slice();
    const h = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, step: 1, weightDecay: 0 };
    K.adamDense(p, g, m, v, h);
    R.adamDense(p2, g, m2, v2, h);
    expect(Array.from(p)).toEqual(Array.from(p2));
    expect(K.sumSquares(g)).toBe(R.sumSquares(g));
  });

  it('rejects ids outside the table and arrays that are too short', () => {
    const table = K.heap.f32(20);
    expect(() => K.gatherRows(table, 4, Int32Array.of(0, 5), K.heap.f32(8), 4, 0)).toThrow(/id 5 at position 1/);
    expect(() => K.gemm(2, 2, 2, K.heap.f32(3), K.heap.f32(4), K.heap.f32(4))).toThrow(/A has 3 elements, needs 4/);
  });
});

describe('engine memory', () => {
  it('heap reuses freed blocks zero-filled; scratch resets; growth keeps earlier views valid', () => {
    const a = K.heap.f32(1000).fill(3);
    const first = a.byteOffset;
    K.heap.free(a);
    const b = K.heap.f32(900);
    expect(b.byteOffset).toBe(first);
    expect(b.every((x) => x === 0)).toBe(true);
    expect(() => K.heap.free(b.subarray(1))).toThrow(/not a live heap array/);

    K.scratch.reset();
    const s1 = K.scratch.f32(100).fill(7);
    K.scratch.reset();
    const s2 = K.scratch.f32(100);
    expect(s2.byteOffset).toBe(s1.byteOffset);
    expect(s2.every((x) => x === 0)).toBe(true);

    b.fill(5);
    const big = K.heap.f32(80 << 20); // 320 MB: forces the memory to grow
    big[big.length - 1] = 1;
    expect(b[899]).toBe(5);
    b[0] = 6;
    const again = new Float32Array(big.buffer, b.byteOffset, 1);
    expect(again[0]).toBe(6);
    K.heap.free(big);
  });

  it('untouched reserved pages do not count toward RSS', () => {
    const before = process.memoryUsage().rss;
    const big = K.heap.f32(256 << 20); // 1 GiB of address space, never written
    const grown = process.memoryUsage().rss - before;
    expect(big.length).toBe(256 << 20);
    expect(grown).toBeLessThan(64 << 20);
    K.heap.free(big);
  });
});
