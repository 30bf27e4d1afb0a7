// Jobs the worker pool runs, and the protocol on the pool's shared control block. Shared by the main thread
// and the workers.
//
// A job's items (gemm output rows or columns, table rows) are cut into chunks; the main thread and every worker
// that joins in time take chunks from a shared counter until none are left. A worker that wakes late (the
// machine is busy) finds the job closed and skips it, so a slow worker never holds up the caller. Which thread
// computes a chunk does not change its result: each output element is computed by exactly one chunk, over K in
// a fixed order, and gemm chunks fall on micro-tile boundaries, so results are bit-for-bit repeatable and the
// same for any thread count.
import type { KernelExports } from './wasm.js';

export const JOB = { gemm: 1, gatherRows: 2, adamSparse: 3, adagradSparse: 4, gatherFields: 5, stop: 99 } as const;
export const JOB_ARGS = 24;

/** Int32 slots of the control block; JOB_ARGS float64 arguments follow. */
export const CTRL = { gen: 0, kind: 1, state: 2, next: 3, chunks: 4, error: 5, started: 6, workerChunks: 7 } as const;
/** `state` = number of workers inside the current job, plus CLOSED once no worker may join any more. */
export const CLOSED = 1 << 30;
const CTRL_BYTES = 64;
export const CONTROL_BYTES = CTRL_BYTES + JOB_ARGS * 8;
/** Spin iterations before a worker sleeps: consecutive kernel calls follow each other within microseconds. */
export const SPIN_WORKER = 5_000;

export function controlViews(sab: SharedArrayBuffer): { ctrl: Int32Array; args: Float64Array } {
  return { ctrl: new Int32Array(sab, 0, CTRL_BYTES / 4), args: new Float64Array(sab, CTRL_BYTES, JOB_ARGS) };
}

/** What a worker is started with. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  /** This pool's gemm work areas: thread t uses [workBase + t·workBytes, +workBytes). */
  workBase: number;
  workBytes: number;
}

/** GEMM job arguments, in order. */
export const G = {
  M: 0,
  N: 1,
  K: 2,
  pA: 3,
  lda: 4,
  transA: 5,
  pB: 6,
  ldb: 7,
  transB: 8,
  pC: 9,
  ldc: 10,
  pBias: 11,
  flags: 12,
  splitCols: 13,
  unit: 14,
} as const;

/** How many items a job has, and the granularity a chunk boundary must respect. */
export function jobItems(kind: number, a: Float64Array): { total: number; unit: number } {
  if (kind === JOB.gemm) return { total: a[G.splitCols] ? a[G.N]! : a[G.M]!, unit: a[G.unit]! };
  return { total: a[3]!, unit: 1 }; // row jobs: item count in slot 3
}

/** [start, end) of chunk `c` when `total` items are cut into `chunks` pieces that are multiples of `unit`. */
export function chunkRange(total: number, unit: number, c: number, chunks: number): [number, number] {
  const size = Math.ceil(Math.ceil(total / unit) / chunks) * unit;
  const start = Math.min(total, c * size);
  return [start, Math.min(total, start + size)];
}

/** Run items [s, e) of a job. `work` → this thread's gemm work area. */
export function runJobRange(k: KernelExports, kind: number, a: Float64Array, s: number, e: number, work: number): void {
  if (e <= s) return;
  switch (kind) {
    case JOB.gemm:
      return gemmRange(k, a, s, e, work);
    case JOB.gatherRows:
      // [pTable, dim, pIds, n, pOut, outStride, outOffset]
      return k.gatherRows(a[0]!, a[1]!, a[2]! + s * 4, e - s, a[4]! + s * a[5]! * 4, a[5]!, a[6]!);
    case JOB.gatherFields:
      // [pDesc, F, -, rows, pOut, outStride]: chunks are row ranges, every field gathered for each
      return k.gatherFields(a[0]!, a[1]!, s, e, a[4]!, a[5]!);
    case JOB.adamSparse:
      // [pTable, dim, pRows, nRows, pGrads, pm, pv, b1, c1, b2, c2, eps, wd, stepSize, sq]
      return k.adamSparse(
        a[0]!,
        a[1]!,
        a[2]! + s * 4,
        e - s,
        a[4]! + s * a[1]! * 4,
        a[5]!,
        a[6]!,
        a[7]!,
        a[8]!,
        a[9]!,
        a[10]!,
        a[11]!,
        a[12]!,
        a[13]!,
        a[14]!,
      );
    case JOB.adagradSparse:
      // [pTable, dim, pRows, nRows, pGrads, pa, lr, eps, wd]
      return k.adagradSparse(a[0]!, a[1]!, a[2]! + s * 4, e - s, a[4]! + s * a[1]! * 4, a[5]!, a[6]!, a[7]!, a[8]!);
    default:
      throw new Error(`unknown kernel job ${kind}`);
  }
}

function gemmRange(k: KernelExports, a: Float64Array, s: number, e: number, work: number): void {
  let M = a[G.M]!,
    N = a[G.N]!,
    pA = a[G.pA]!,
    pB = a[G.pB]!,
    pC = a[G.pC]!,
    pBias = a[G.pBias]!;
  const lda = a[G.lda]!,
    ldb = a[G.ldb]!,
    ldc = a[G.ldc]!,
    transA = a[G.transA]!,
    transB = a[G.transB]!;
  if (a[G.splitCols]) {
    N = e - s;
    pB += (transB ? s * ldb : s) * 4;
    pC += s * 4;
    if (pBias) pBias += s * 4;
  } else {
    M = e - s;
    pA += (transA ? s : s * lda) * 4;
    pC += s * ldc * 4;
  }
  k.gemm(M, N, a[G.K]!, pA, lda, transA, pB, ldb, transB, pC, ldc, pBias, a[G.flags]!, work);
}

/** Take chunks of the current job from the shared counter until none are left; returns how many. */
export function takeChunks(k: KernelExports, ctrl: Int32Array, args: Float64Array, work: number): number {
  const kind = Atomics.load(ctrl, CTRL.kind);
  const chunks = Atomics.load(ctrl, CTRL.chunks);
  const { total, unit } = jobItems(kind, args);
  let taken = 0;
  for (let c = Atomics.add(ctrl, CTRL.next, 1); c < chunks; c = Atomics.add(ctrl, CTRL.next, 1), taken++) {
    const [s, e] = chunkRange(total, unit, c, chunks);
    runJobRange(k, kind, args, s, e, work);
  }
  return taken;
}

/** Worker side: join the open job (true), or find it closed or without chunks left (false). */
export function tryJoin(ctrl: Int32Array): boolean {
  for (;;) {
    const s = Atomics.load(ctrl, CTRL.state);
    if (s & CLOSED || Atomics.load(ctrl, CTRL.next) >= Atomics.load(ctrl, CTRL.chunks)) return false;
    if (Atomics.compareExchange(ctrl, CTRL.state, s, s + 1) === s) return true;
  }
}
