// The kernel facade: every hot numeric loop of the engine goes through these functions.
// Arrays are row-major Float32Array/Int32Array views. When they live in the engine's shared wasm memory
// (allocated through `heap`/`scratch`) the wasm SIMD kernels run on them in place, large gemm and sparse row
// calls split across the worker threads; otherwise the plain TypeScript loops of reference-kernels.ts run
// (a large gemm copies its operands into the engine memory instead). Output arrays must not overlap inputs,
// except where a function says it works in place.
import * as ref from './reference-kernels.js';
import { loadedKernels, switchKernels, variantAvailable, type KernelExports, type KernelVariant } from './wasm.js';
import { heap, scratch, wasmByteOffset, memoryStats, type Allocator } from './memory.js';
import { JOB, JOB_ARGS, G } from './kernel-jobs.js';
import { parallelParts, runJob, setThreads, shutdownThreads, threadCount, threadStats } from './threads.js';

export type { GemmOptions, AdamHyper, AdagradHyper } from './reference-kernels.js';
import type { GemmOptions, AdamHyper, AdagradHyper } from './reference-kernels.js';
export type { Allocator, KernelVariant };
export { heap, scratch, memoryStats, setThreads, shutdownThreads, threadStats, variantAvailable };

/** Which kernel build runs, and on how many threads. */
export function kernelInfo(): { variant: KernelVariant; threads: number } {
  const variant = loadedKernels().variant;
  return { variant, threads: variant === 'js' ? 1 : threadCount() };
}

/** Switch the kernel build (relaxed | simd | js); arrays already allocated stay valid. For tests and benchmarks. */
export function useKernels(variant: KernelVariant): void {
  switchKernels(variant);
}

// Work sizes from which a call is split across threads (measured crossovers, see docs/engine-kernels.md).
const PARALLEL_GEMM_FLOPS = 1 << 22;
const PARALLEL_ROW_ELEMENTS = 1 << 16;
// Below this many multiply-adds a gemm on arrays outside the engine memory runs the reference loop, above it
// the operands are copied in.
const STAGE_GEMM_MADDS = 1 << 15;

function wasm(): KernelExports | null {
  return loadedKernels().exports;
}

/** Byte offsets of the arrays when the wasm kernels can run on all of them (null entries are skipped), else null. */
function offsets(...arrays: (ArrayBufferView | null | undefined)[]): number[] | null {
  const out: number[] = [];
  for (const a of arrays) {
    if (!a) {
      out.push(0);
      continue;
    }
    const o = wasmByteOffset(a);
    if (o < 0) return null;
    out.push(o);
  }
  return out;
}

function need(fn: string, name: string, a: { length: number }, n: number): void {
  if (a.length < n) throw new RangeError(`${fn}: ${name} has ${a.length} elements, needs ${n}`);
}

function checkIds(fn: string, ids: Int32Array, rows: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= rows)
      throw new RangeError(`${fn}: id ${id} at position ${i} is outside the table's ${rows} rows`);
  }
}

const gemmArgs = new Float64Array(JOB_ARGS);

/**
 * C[M×N] = op(A)[M×K] · op(B)[K×N] (+C when accumulate) (+bias) (ReLU). A is M×K, or K×M with transA;
 * B is K×N, or N×K with transB; all row-major and contiguous.
 */
export function gemm(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  o: GemmOptions = {},
): void {
  need('gemm', 'A', A, M * K);
  need('gemm', 'B', B, K * N);
  need('gemm', 'C', C, M * N);
  if (o.bias) need('gemm', 'bias', o.bias, N);
  const k = wasm();
  if (M === 0 || N === 0) return;
  if (!k || K === 0) return ref.gemm(M, N, K, A, B, C, o);
  const p = offsets(A, B, C, o.bias);
  if (!p) return M * N * K < STAGE_GEMM_MADDS ? ref.gemm(M, N, K, A, B, C, o) : stagedGemm(M, N, K, A, B, C, o);
  const flags = (o.relu ? 1 : 0) | (o.accumulate ? 2 : 0) | (o.bias ? 4 : 0);
  const a = gemmArgs;
  a[G.M] = M;
  a[G.N] = N;
  a[G.K] = K;
  a[G.pA] = p[0]!;
  a[G.lda] = o.transA ? M : K;
  a[G.transA] = o.transA ? 1 : 0;
  a[G.pB] = p[1]!;
  a[G.ldb] = o.transB ? K : N;
  a[G.transB] = o.transB ? 1 : 0;
  a[G.pC] = p[2]!;
  a[G.ldc] = N;
  a[G.pBias] = p[3]!;
  a[G.flags] = flags;
  const parallel = 2 * M * N * K >= PARALLEL_GEMM_FLOPS && parallelParts() > 1;
  // Split output rows; columns when there are too few rows to go round.
  a[G.splitCols] = M < 64 && N > M ? 1 : 0;
  a[G.unit] = a[G.splitCols] ? 8 : k.gemmMR();
  runJob(JOB.gemm, a, parallel, 2 * M * N * K);
}

function stagedGemm(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  o: GemmOptions,
): void {
  const a = heap.f32(M * K),
    b = heap.f32(K * N),
    c = heap.f32(M * N),
    bias = o.bias ? heap.f32(N) : undefined;
  try {
    a.set(A.subarray(0, M * K));
    b.set(B.subarray(0, K * N));
    if (o.accumulate) c.set(C.subarray(0, M * N));
    if (bias) bias.set(o.bias!.subarray(0, N));
    gemm(M, N, K, a, b, c, { ...o, bias });
    C.set(c);
  } finally {
    for (const x of [a, b, c, bias]) if (x) heap.free(x);
  }
}

/** out[j] (+)= Σ_i dY[i·N + j] over an M×N matrix (bias gradients). */
export function columnSums(M: number, N: number, dY: Float32Array, out: Float32Array, accumulate = false): void {
  need('columnSums', 'dY', dY, M * N);
  need('columnSums', 'out', out, N);
  const k = wasm(),
    p = k && offsets(dY, out);
  if (!p) return ref.columnSums(M, N, dY, out, accumulate);
  k!.columnSums(M, N, p[0]!, p[1]!, accumulate ? 1 : 0);
}

/**
 * Embedding lookup into a strided destination: out[i·outStride + outOffset + c] = table[ids[i]·dim + c].
 * Writing straight into a slice of the concatenated bottom input saves a copy.
 */
export function gatherRows(
  table: Float32Array,
  dim: number,
  ids: Int32Array,
  out: Float32Array,
  outStride: number,
  outOffset: number,
): void {
  const n = ids.length;
  if (n === 0) return;
  checkIds('gatherRows', ids, Math.floor(table.length / dim));
  need('gatherRows', 'out', out, (n - 1) * outStride + outOffset + dim);
  const k = wasm(),
    p = k && offsets(table, ids, out);
  if (!p) return ref.gatherRows(table, dim, ids, out, outStride, outOffset);
  runJob(
    JOB.gatherRows,
    [p[0]!, dim, p[1]!, n, p[2]!, outStride, outOffset],
    n * dim >= PARALLEL_ROW_ELEMENTS,
    n * dim,
  );
}

/** One lookup of gatherFields: rows of `table` (dim wide) for `ids`, written at column `offset`. */
export interface FieldGather {
  table: Float32Array;
  dim: number;
  ids: Int32Array;
  offset: number;
}

/**
 * Several embedding lookups of the same rows into one strided matrix (the bottom input): one job for all
 * fields, split by rows across the threads when large, instead of one small call per field.
 */
export function gatherFields(fields: readonly FieldGather[], rows: number, out: Float32Array, outStride: number): void {
  if (rows === 0 || fields.length === 0) return;
  let width = 0;
  for (const f of fields) {
    if (f.ids.length < rows) throw new RangeError(`gatherFields: ${f.ids.length} ids for ${rows} rows`);
    checkIds('gatherFields', f.ids.subarray(0, rows), Math.floor(f.table.length / f.dim));
    need('gatherFields', 'out', out, (rows - 1) * outStride + f.offset + f.dim);
    width += f.dim;
  }
  const k = wasm(),
    p = k && offsets(out, ...fields.flatMap((f) => [f.table, f.ids]));
  if (!p) {
    for (const f of fields) gatherRows(f.table, f.dim, f.ids.subarray(0, rows), out, outStride, f.offset);
    return;
  }
  const desc = scratch.i32Raw(4 * fields.length);
  fields.forEach((f, i) => {
    desc[4 * i] = p[1 + 2 * i]!;
    desc[4 * i + 1] = f.dim;
    desc[4 * i + 2] = p[2 + 2 * i]!;
    desc[4 * i + 3] = f.offset;
  });
  const n = rows * width;
  runJob(
    JOB.gatherFields,
    [wasmByteOffset(desc), fields.length, 0, rows, p[0]!, outStride],
    n >= PARALLEL_ROW_ELEMENTS,
    n,
  );
}

/**
 * The reverse of gatherRows: dst[ids[i]·dim + c] += src[i·srcStride + srcOffset + c], in i order (ids may repeat).
 * E.g. the embedding gradient of a batch into a compact buffer of its unique rows (ids = index map).
 */
export function scatterAddRows(
  dst: Float32Array,
  dim: number,
  ids: Int32Array,
  src: Float32Array,
  srcStride: number,
  srcOffset: number,
): void {
  const n = ids.length;
  if (n === 0) return;
  checkIds('scatterAddRows', ids, Math.floor(dst.length / dim));
  need('scatterAddRows', 'src', src, (n - 1) * srcStride + srcOffset + dim);
  const k = wasm(),
    p = k && offsets(dst, ids, src);
  if (!p) return ref.scatterAddRows(dst, dim, ids, src, srcStride, srcOffset);
  k!.scatterAddRows(p[0]!, dim, p[1]!, n, p[2]!, srcStride, srcOffset);
}

type ColumnKernel = 'copyColumns' | 'addColumns';
function columns(
  fn: ColumnKernel,
  src: Float32Array,
  srcStride: number,
  srcOffset: number,
  dst: Float32Array,
  dstStride: number,
  dstOffset: number,
  width: number,
  rows: number,
): void {
  if (rows === 0 || width === 0) return;
  need(fn, 'src', src, (rows - 1) * srcStride + srcOffset + width);
  need(fn, 'dst', dst, (rows - 1) * dstStride + dstOffset + width);
  const k = wasm(),
    p = k && offsets(src, dst);
  if (!p) return ref[fn](src, srcStride, srcOffset, dst, dstStride, dstOffset, width, rows);
  k![fn](p[0]! + srcOffset * 4, srcStride, p[1]! + dstOffset * 4, dstStride, width, rows);
}

/** Column block copy: dst[r·dstStride + dstOffset + c] = src[r·srcStride + srcOffset + c], r < rows, c < width. */
export function copyColumns(
  src: Float32Array,
  srcStride: number,
  srcOffset: number,
  dst: Float32Array,
  dstStride: number,
  dstOffset: number,
  width: number,
  rows: number,
): void {
  columns('copyColumns', src, srcStride, srcOffset, dst, dstStride, dstOffset, width, rows);
}

/** Column block sum: dst[r·dstStride + dstOffset + c] += src[r·srcStride + srcOffset + c] (concat/slice backward). */
export function addColumns(
  src: Float32Array,
  srcStride: number,
  srcOffset: number,
  dst: Float32Array,
  dstStride: number,
  dstOffset: number,
  width: number,
  rows: number,
): void {
  columns('addColumns', src, srcStride, srcOffset, dst, dstStride, dstOffset, width, rows);
}

/** y = row-wise softmax of x (R×C). */
export function softmaxRows(x: Float32Array, y: Float32Array, R: number, C: number): void {
  need('softmaxRows', 'x', x, R * C);
  need('softmaxRows', 'y', y, R * C);
  const k = wasm(),
    o = k && offsets(x, y);
  if (!o) return ref.softmaxRows(x, y, R, C);
  k!.softmaxRows(o[0]!, o[1]!, R, C);
}

/** dx (+)= y ⊙ (dy − Σ_c y·dy) per row (y = the softmax output, R×C). */
export function softmaxBackward(
  y: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  R: number,
  C: number,
  accumulate: boolean,
): void {
  for (const [name, a] of [
    ['y', y],
    ['dy', dy],
    ['dx', dx],
  ] as const)
    need('softmaxBackward', name, a, R * C);
  const k = wasm(),
    o = k && offsets(y, dy, dx);
  if (!o) return ref.softmaxBackward(y, dy, dx, R, C, accumulate);
  k!.softmaxBackward(o[0]!, o[1]!, o[2]!, R, C, accumulate ? 1 : 0);
}

// Pointer lists (byte offsets) for kernels that take a variable number of arrays; calls are synchronous, so
// two fixed lists on the heap suffice.
const MAX_LIST = 64;
let lists: Int32Array | null = null;
/** Write the arrays' byte offsets (0 for null) into list `slot`; its byte offset, or -1 if one is outside the engine memory. */
function pointerList(slot: 0 | 1, arrays: readonly (Float32Array | null)[]): number {
  if (arrays.length > MAX_LIST) return -1;
  lists ??= heap.i32(2 * MAX_LIST);
  for (let e = 0; e < arrays.length; e++) {
    const a = arrays[e];
    const o = a ? wasmByteOffset(a) : 0;
    if (o < 0) return -1;
    lists[slot * MAX_LIST + e] = o;
  }
  return wasmByteOffset(lists) + slot * MAX_LIST * 4;
}

/** out[i] = Σ_e gate[i, e]·experts[e][i]: gate B×E, each expert and out B×D (mixture of experts). */
export function mixExperts(
  gate: Float32Array,
  experts: readonly Float32Array[],
  out: Float32Array,
  B: number,
  D: number,
): void {
  const E = experts.length;
  need('mixExperts', 'gate', gate, B * E);
  need('mixExperts', 'out', out, B * D);
  for (const x of experts) need('mixExperts', 'expert', x, B * D);
  const k = wasm(),
    o = k && offsets(gate, out),
    list = o ? pointerList(0, experts) : -1;
  if (!o || list < 0) return ref.mixExperts(gate, experts, out, B, D);
  k!.mixExperts(o[0]!, E, list, B, D, o[1]!);
}

/**
 * Backward of mixExperts, accumulating: gateGrad[i, e] += dy[i]·experts[e][i] (when gateGrad is given) and
 * expertGrads[e][i] += gate[i, e]·dy[i] (for the non-null entries).
 */
export function mixExpertsBackward(
  gate: Float32Array,
  experts: readonly Float32Array[],
  dy: Float32Array,
  B: number,
  D: number,
  gateGrad: Float32Array | null,
  expertGrads: readonly (Float32Array | null)[],
): void {
  const E = experts.length;
  need('mixExpertsBackward', 'gate', gate, B * E);
  need('mixExpertsBackward', 'dy', dy, B * D);
  if (gateGrad) need('mixExpertsBackward', 'gateGrad', gateGrad, B * E);
  if (expertGrads.length !== E)
    throw new RangeError(`mixExpertsBackward: ${expertGrads.length} gradient slots for ${E} experts`);
  for (const x of [...experts, ...expertGrads]) if (x) need('mixExpertsBackward', 'expert', x, B * D);
  const k = wasm(),
    o = k && offsets(gate, dy, gateGrad);
  const xs = o ? pointerList(0, experts) : -1,
    gs = xs >= 0 ? pointerList(1, expertGrads) : -1;
  if (!o || xs < 0 || gs < 0) return ref.mixExpertsBackward(gate, experts, dy, B, D, gateGrad, expertGrads);
  k!.mixExpertsBackward(o[0]!, E, xs, o[1]!, B, D, o[2]!, gs);
}

/**
 * The distinct ids of several id lists (positions [from, to) of each) in ascending order, and per list the
 * index of each of its ids among them: the rows of a sparse gradient and where each looked-up row adds in.
 * Arrays come from `scratch` (valid until its reset).
 */
export function distinctIds(lists: readonly ref.IdRange[]): { rows: Int32Array; slots: Int32Array[] } {
  const k = wasm(),
    p = k && offsets(...lists.map((l) => l.ids));
  if (!p) return ref.distinctIds(lists, (n) => scratch.i32Raw(n));
  let total = 0;
  for (const l of lists) total += l.to - l.from;
  const bits = ref.hashBits(total),
    mask = (1 << bits) - 1,
    shift = 32 - bits;
  const keys = scratch.i32Raw(mask + 1).fill(-1),
    firstSeen = scratch.i32Raw(mask + 1),
    found = scratch.i32Raw(total);
  const pKeys = wasmByteOffset(keys),
    pFirst = wasmByteOffset(firstSeen);
  let n = 0;
  const slots = lists.map((l, j) => {
    const out = scratch.i32Raw(l.ids.length);
    n = k!.dedupeIds(
      p[j]! + l.from * 4,
      l.to - l.from,
      pKeys,
      pFirst,
      mask,
      shift,
      wasmByteOffset(found),
      n,
      wasmByteOffset(out) + l.from * 4,
    );
    return out;
  });
  const rows = found.subarray(0, n),
    rank = scratch.i32Raw(n);
  k!.sortIds(wasmByteOffset(rows), n, wasmByteOffset(rank), wasmByteOffset(scratch.i32Raw(256))); // rank: sort buffer first
  k!.rankIds(wasmByteOffset(rows), n, pKeys, pFirst, mask, shift, wasmByteOffset(rank));
  slots.forEach((out, j) => {
    const l = lists[j]!;
    k!.remapIds(wasmByteOffset(out) + l.from * 4, l.to - l.from, wasmByteOffset(rank));
  });
  return { rows, slots };
}

/** Σ x² over the first n elements, in float64 (gradient-norm clipping). */
export function sumSquares(x: Float32Array, n = x.length): number {
  need('sumSquares', 'x', x, n);
  const k = wasm(),
    p = k && offsets(x);
  return p ? k!.sumSquares(p[0]!, n) : ref.sumSquares(x, n);
}

function adamConstants(h: AdamHyper): number[] {
  const stepSize = h.lr / (1 - Math.pow(h.beta1, h.step)),
    sq = Math.sqrt(1 - Math.pow(h.beta2, h.step));
  return [h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.eps, h.weightDecay, stepSize, sq];
}

/** Dense Adam (bias-corrected with h.step ≥ 1, L2 weight decay added to the gradient) over n elements, in place. */
export function adamDense(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  h: AdamHyper,
  n = p.length,
): void {
  for (const [name, a] of [
    ['p', p],
    ['g', g],
    ['m', m],
    ['v', v],
  ] as const)
    need('adamDense', name, a, n);
  const k = wasm(),
    o = k && offsets(p, g, m, v);
  if (!o) return ref.adamDense(p, g, m, v, h, n);
  const c = adamConstants(h);
  k!.adamDense(o[0]!, o[1]!, o[2]!, o[3]!, n, c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!);
}

/**
 * Lazy (sparse) Adam over the listed rows only: rows[r] is a table row (rows must be distinct), grads holds
 * rows.length×dim values. Rows not listed are neither read nor written (PyTorch SparseAdam semantics; the
 * global step drives the bias correction). Equals adamDense on the listed rows.
 */
export function adamSparse(
  table: Float32Array,
  dim: number,
  rows: Int32Array,
  grads: Float32Array,
  m: Float32Array,
  v: Float32Array,
  h: AdamHyper,
): void {
  const n = rows.length;
  if (n === 0) return;
  checkIds('adamSparse', rows, Math.floor(Math.min(table.length, m.length, v.length) / dim));
  need('adamSparse', 'grads', grads, n * dim);
  const k = wasm(),
    o = k && offsets(table, rows, grads, m, v);
  if (!o) return ref.adamSparse(table, dim, rows, grads, m, v, h);
  runJob(
    JOB.adamSparse,
    [o[0]!, dim, o[1]!, n, o[2]!, o[3]!, o[4]!, ...adamConstants(h)],
    n * dim >= PARALLEL_ROW_ELEMENTS,
    n * dim,
  );
}

/** Dense Adagrad over n elements, in place. */
export function adagradDense(p: Float32Array, g: Float32Array, acc: Float32Array, h: AdagradHyper, n = p.length): void {
  for (const [name, a] of [
    ['p', p],
    ['g', g],
    ['acc', acc],
  ] as const)
    need('adagradDense', name, a, n);
  const k = wasm(),
    o = k && offsets(p, g, acc);
  if (!o) return ref.adagradDense(p, g, acc, h, n);
  k!.adagradDense(o[0]!, o[1]!, o[2]!, n, h.lr, h.eps, h.weightDecay);
}

/** Sparse Adagrad over the listed (distinct) rows only; equals adagradDense on them. */
export function adagradSparse(
  table: Float32Array,
  dim: number,
  rows: Int32Array,
  grads: Float32Array,
  acc: Float32Array,
  h: AdagradHyper,
): void {
  const n = rows.length;
  if (n === 0) return;
  checkIds('adagradSparse', rows, Math.floor(Math.min(table.length, acc.length) / dim));
  need('adagradSparse', 'grads', grads, n * dim);
  const k = wasm(),
    o = k && offsets(table, rows, grads, acc);
  if (!o) return ref.adagradSparse(table, dim, rows, grads, acc, h);
  runJob(
    JOB.adagradSparse,
    [o[0]!, dim, o[1]!, n, o[2]!, o[3]!, h.lr, h.eps, h.weightDecay],
    n * dim >= PARALLEL_ROW_ELEMENTS,
    n * dim,
  );
}

// ---- elementwise (n defaults to the output's length; outputs may alias inputs) ----

/** y[i] += a·x[i] for i < n. */
export function axpy(n: number, a: number, x: Float32Array, y: Float32Array): void {
  need('axpy', 'x', x, n);
  need('axpy', 'y', y, n);
  const k = wasm(),
    o = k && offsets(x, y);
  if (!o) return ref.axpy(n, a, x, y);
  k!.axpy(n, a, o[0]!, o[1]!);
}

/** x[i] *= a for i < n (in place). */
export function scale(n: number, a: number, x: Float32Array): void {
  need('scale', 'x', x, n);
  const k = wasm(),
    o = k && offsets(x);
  if (!o) return ref.scale(n, a, x);
  k!.scale(n, a, o[0]!);
}

type Binary = 'add' | 'mulElementwise' | 'reluBackward' | 'sigmoidBackward' | 'tanhBackward' | 'geluBackward';
function binary(fn: Binary, a: Float32Array, b: Float32Array, out: Float32Array, n: number): void {
  need(fn, 'first input', a, n);
  need(fn, 'second input', b, n);
  need(fn, 'output', out, n);
  const k = wasm(),
    o = k && offsets(a, b, out);
  if (!o) return ref[fn](a, b, out, n);
  k![fn](o[0]!, o[1]!, o[2]!, n);
}

type Unary = 'relu' | 'sigmoid' | 'tanh' | 'gelu';
function unary(fn: Unary, x: Float32Array, y: Float32Array, n: number): void {
  need(fn, 'input', x, n);
  need(fn, 'output', y, n);
  const k = wasm(),
    o = k && offsets(x, y);
  if (!o) return ref[fn](x, y, n);
  k![fn](o[0]!, o[1]!, n);
}

/** out = a + b */
export function add(a: Float32Array, b: Float32Array, out: Float32Array, n = out.length): void {
  binary('add', a, b, out, n);
}

/** out = a ⊙ b */
export function mulElementwise(a: Float32Array, b: Float32Array, out: Float32Array, n = out.length): void {
  binary('mulElementwise', a, b, out, n);
}

/** y = max(x, 0) */
export function relu(x: Float32Array, y: Float32Array, n = y.length): void {
  unary('relu', x, y, n);
}

/** dx = dy where y > 0, else 0 (y = the ReLU output). */
export function reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n = dx.length): void {
  binary('reluBackward', y, dy, dx, n);
}

/** y = 1 / (1 + e^−x), stable for large |x|. */
export function sigmoid(x: Float32Array, y: Float32Array, n = y.length): void {
  unary('sigmoid', x, y, n);
}

/** dx = dy · y · (1 − y) (y = the sigmoid output). */
export function sigmoidBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n = dx.length): void {
  binary('sigmoidBackward', y, dy, dx, n);
}

/**
 * Binary cross-entropy with logits, labels 0/1 as float, optional per-example weights. Returns the weighted
 * loss sum Σ w·(max(x,0) − x·y + log(1 + e^−|x|)) (stable for any x). When dLogits is given it receives
 * gradScale·w·(σ(x) − y), e.g. gradScale = 1/n for a mean.
 */
export function bceWithLogits(
  logits: Float32Array,
  labels: Float32Array,
  weights: Float32Array | null,
  dLogits: Float32Array | null,
  n = logits.length,
  gradScale = 1,
): number {
  need('bceWithLogits', 'logits', logits, n);
  need('bceWithLogits', 'labels', labels, n);
  if (weights) need('bceWithLogits', 'weights', weights, n);
  if (dLogits) need('bceWithLogits', 'dLogits', dLogits, n);
  const k = wasm(),
    o = k && offsets(logits, labels, weights, dLogits);
  if (!o) return ref.bceWithLogits(logits, labels, weights, dLogits, n, gradScale);
  return k!.bceWithLogits(o[0]!, o[1]!, o[2]!, o[3]!, n, gradScale);
}

/** y = tanh(x) */
export function tanh(x: Float32Array, y: Float32Array, n = y.length): void {
  unary('tanh', x, y, n);
}

/** dx = dy · (1 − y²) (y = the tanh output). */
export function tanhBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n = dx.length): void {
  binary('tanhBackward', y, dy, dx, n);
}

/** y = x for x > 0, slope·x otherwise (slope > 0). */
export function leakyRelu(x: Float32Array, y: Float32Array, slope: number, n = y.length): void {
  need('leakyRelu', 'input', x, n);
  need('leakyRelu', 'output', y, n);
  const k = wasm(),
    o = k && offsets(x, y);
  if (!o) return ref.leakyRelu(x, y, n, slope);
  k!.leakyRelu(o[0]!, o[1]!, n, slope);
}

/** dx = dy where y > 0, slope·dy otherwise (y = the leaky ReLU output). */
export function leakyReluBackward(
  y: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  slope: number,
  n = dx.length,
): void {
  need('leakyReluBackward', 'y', y, n);
  need('leakyReluBackward', 'dy', dy, n);
  need('leakyReluBackward', 'dx', dx, n);
  const k = wasm(),
    o = k && offsets(y, dy, dx);
  if (!o) return ref.leakyReluBackward(y, dy, dx, n, slope);
  k!.leakyReluBackward(o[0]!, o[1]!, o[2]!, n, slope);
}

/** GELU, tanh approximation: y = ½x·(1 + tanh(√(2/π)·(x + 0.044715x³))). */
export function gelu(x: Float32Array, y: Float32Array, n = y.length): void {
  unary('gelu', x, y, n);
}

/** dx = dy · gelu′(x) (x = the GELU input). */
export function geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n = dx.length): void {
  binary('geluBackward', x, dy, dx, n);
}
