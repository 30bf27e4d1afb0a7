// Jobs the worker pool runs: how one call is split into parts. Shared by the main thread (part 0) and the
// workers (parts 1..n-1). A part never depends on timing: each output element is computed by exactly one
// part in a fixed order, so results are bit-for-bit repeatable (and, for gemm, identical across thread counts
// because splits fall on micro-tile boundaries).
import type { KernelExports } from './wasm.js';

export const JOB = { gemm: 1, gatherRows: 2, adamSparse: 3, adagradSparse: 4, stop: 99 } as const;
export const JOB_ARGS = 24;

/** Slots of a pool's control block (Int32Array), followed by JOB_ARGS float64 arguments. */
export const CTRL = { gen: 0, done: 1, kind: 2, parts: 3, error: 4, started: 5 } as const;
const CTRL_BYTES = 64;
export const CONTROL_BYTES = CTRL_BYTES + JOB_ARGS * 8;
/** Spin iterations before a worker sleeps: consecutive kernel calls follow each other within microseconds. */
export const SPIN_WORKER = 20_000;

export function controlViews(sab: SharedArrayBuffer): { ctrl: Int32Array; args: Float64Array } {
  return { ctrl: new Int32Array(sab, 0, CTRL_BYTES / 4), args: new Float64Array(sab, CTRL_BYTES, JOB_ARGS) };
}

/** What a worker is started with. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  startGen: number;
  /** This pool's gemm work areas: part p uses [workBase + p·workBytes, +workBytes). */
  workBase: number;
  workBytes: number;
}

/** GEMM job arguments, in order. */
export const G = {
  M: 0, N: 1, K: 2, pA: 3, lda: 4, transA: 5, pB: 6, ldb: 7, transB: 8, pC: 9, ldc: 10, pBias: 11, flags: 12,
  splitCols: 13, unit: 14,
} as const;

/** [start, end) of part `part` when `total` items are split in chunks that are multiples of `unit`. */
export function partRange(total: number, unit: number, part: number, parts: number): [number, number] {
  const chunk = Math.ceil(Math.ceil(total / unit) / parts) * unit;
  const start = Math.min(total, part * chunk);
  return [start, Math.min(total, start + chunk)];
}

export function runJobPart(k: KernelExports, kind: number, a: Float64Array, part: number, parts: number, work: number): void {
  switch (kind) {
    case JOB.gemm: return gemmPart(k, a, part, parts, work);
    case JOB.gatherRows: {
      // [pTable, dim, pIds, n, pOut, outStride, outOffset]
      const [s, e] = partRange(a[3]!, 1, part, parts);
      if (e > s) k.gatherRows(a[0]!, a[1]!, a[2]! + s * 4, e - s, a[4]! + s * a[5]! * 4, a[5]!, a[6]!);
      return;
    }
    case JOB.adamSparse: {
      // [pTable, dim, pRows, nRows, pGrads, pm, pv, b1, c1, b2, c2, eps, wd, stepSize, sq]
      const [s, e] = partRange(a[3]!, 1, part, parts);
      if (e > s) k.adamSparse(a[0]!, a[1]!, a[2]! + s * 4, e - s, a[4]! + s * a[1]! * 4, a[5]!, a[6]!,
        a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, a[14]!);
      return;
    }
    case JOB.adagradSparse: {
      // [pTable, dim, pRows, nRows, pGrads, pa, lr, eps, wd]
      const [s, e] = partRange(a[3]!, 1, part, parts);
      if (e > s) k.adagradSparse(a[0]!, a[1]!, a[2]! + s * 4, e - s, a[4]! + s * a[1]! * 4, a[5]!, a[6]!, a[7]!, a[8]!);
      return;
    }
    default:
      throw new Error(`unknown kernel job ${kind}`);
  }
}

function gemmPart(k: KernelExports, a: Float64Array, part: number, parts: number, work: number): void {
  let M = a[G.M]!, N = a[G.N]!, pA = a[G.pA]!, pB = a[G.pB]!, pC = a[G.pC]!, pBias = a[G.pBias]!;
  const lda = a[G.lda]!, ldb = a[G.ldb]!, ldc = a[G.ldc]!, transA = a[G.transA]!, transB = a[G.transB]!;
  if (a[G.splitCols]) {
    const [s, e] = partRange(N, a[G.unit]!, part, parts);
    if (e <= s) return;
    N = e - s;
    pB += (transB ? s * ldb : s) * 4;
    pC += s * 4;
    if (pBias) pBias += s * 4;
  } else {
    const [s, e] = partRange(M, a[G.unit]!, part, parts);
    if (e <= s) return;
    M = e - s;
    pA += (transA ? s : s * lda) * 4;
    pC += s * ldc * 4;
  }
  k.gemm(M, N, a[G.K]!, pA, lda, transA, pB, ldb, transB, pC, ldc, pBias, a[G.flags]!, work);
}
