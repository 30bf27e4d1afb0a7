// The kernel facade: every hot numeric loop of the engine goes through these functions.
// Arrays are row-major Float32Array/Int32Array views. When they live in the engine's shared wasm
// memory (allocated through `heap`/`scratch` below) the wasm SIMD kernels run on them in place,
// split across worker threads for large calls; otherwise a plain TypeScript loop runs.
//
// NOTE: this first version holds the plain TypeScript reference for every kernel; the wasm
// implementations replace the bodies behind the same signatures.

export interface GemmOptions {
  /** A is stored K×M (use its transpose). */
  transA?: boolean;
  /** B is stored N×K (use its transpose). */
  transB?: boolean;
  /** Length-N bias added to every row of the result. */
  bias?: Float32Array;
  /** Apply max(0, ·) after bias. */
  relu?: boolean;
  /** C += op(A)·op(B) instead of C = op(A)·op(B). */
  accumulate?: boolean;
}

/** C[M×N] = op(A)[M×K] · op(B)[K×N] (+C) (+bias) (relu). */
export function gemm(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array, o: GemmOptions = {}): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = o.transA ? A[k * M + i]! : A[i * K + k]!;
        const b = o.transB ? B[j * K + k]! : B[k * N + j]!;
        s += a * b;
      }
      if (o.accumulate) s += C[i * N + j]!;
      if (o.bias) s += o.bias[j]!;
      if (o.relu && s < 0) s = 0;
      C[i * N + j] = s;
    }
  }
}

/** dBias[j] (+)= Σ_i dY[i, j] over an M×N matrix. */
export function columnSums(M: number, N: number, dY: Float32Array, out: Float32Array, accumulate = false): void {
  if (!accumulate) out.fill(0, 0, N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[j] = out[j]! + dY[i * N + j]!;
}

/**
 * Embedding lookup into a strided destination: out[i*outStride + outOffset + c] = table[ids[i]*dim + c].
 * Writing straight into a slice of the concatenated bottom input saves a copy.
 */
export function gatherRows(table: Float32Array, dim: number, ids: Int32Array, out: Float32Array, outStride: number, outOffset: number): void {
  for (let i = 0; i < ids.length; i++) {
    const src = ids[i]! * dim, dst = i * outStride + outOffset;
    for (let c = 0; c < dim; c++) out[dst + c] = table[src + c]!;
  }
}

/** Σ x² over the first n elements (for gradient-norm clipping). */
export function sumSquares(x: Float32Array, n = x.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]! * x[i]!;
  return s;
}

export interface AdamHyper { lr: number; beta1: number; beta2: number; eps: number; step: number; weightDecay: number }

/** Dense Adam (bias-corrected, L2 weight decay added to the gradient) over n elements. */
export function adamDense(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamHyper, n = p.length): void {
  const bc1 = 1 - Math.pow(h.beta1, h.step), bc2 = 1 - Math.pow(h.beta2, h.step);
  const stepSize = h.lr / bc1, sq = Math.sqrt(bc2);
  for (let i = 0; i < n; i++) {
    const gi = g[i]! + h.weightDecay * p[i]!;
    const mi = (m[i] = h.beta1 * m[i]! + (1 - h.beta1) * gi);
    const vi = (v[i] = h.beta2 * v[i]! + (1 - h.beta2) * gi * gi);
    p[i] = p[i]! - (stepSize * mi) / (Math.sqrt(vi) / sq + h.eps);
  }
}

/**
 * Lazy (sparse) Adam over the listed rows only: rows[r] is a table row, grads holds rows.length×dim values.
 * Rows not listed are neither read nor written (PyTorch SparseAdam semantics; global step for bias correction).
 */
export function adamSparse(table: Float32Array, dim: number, rows: Int32Array, grads: Float32Array, m: Float32Array, v: Float32Array, h: AdamHyper): void {
  const bc1 = 1 - Math.pow(h.beta1, h.step), bc2 = 1 - Math.pow(h.beta2, h.step);
  const stepSize = h.lr / bc1, sq = Math.sqrt(bc2);
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r]! * dim;
    for (let c = 0; c < dim; c++) {
      const i = base + c;
      const gi = grads[r * dim + c]! + h.weightDecay * table[i]!;
      const mi = (m[i] = h.beta1 * m[i]! + (1 - h.beta1) * gi);
      const vi = (v[i] = h.beta2 * v[i]! + (1 - h.beta2) * gi * gi);
      table[i] = table[i]! - (stepSize * mi) / (Math.sqrt(vi) / sq + h.eps);
    }
  }
}

export interface AdagradHyper { lr: number; eps: number; weightDecay: number }

export function adagradDense(p: Float32Array, g: Float32Array, acc: Float32Array, h: AdagradHyper, n = p.length): void {
  for (let i = 0; i < n; i++) {
    const gi = g[i]! + h.weightDecay * p[i]!;
    const a = (acc[i] = acc[i]! + gi * gi);
    p[i] = p[i]! - (h.lr * gi) / (Math.sqrt(a) + h.eps);
  }
}

export function adagradSparse(table: Float32Array, dim: number, rows: Int32Array, grads: Float32Array, acc: Float32Array, h: AdagradHyper): void {
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r]! * dim;
    for (let c = 0; c < dim; c++) {
      const i = base + c;
      const gi = grads[r * dim + c]! + h.weightDecay * table[i]!;
      const a = (acc[i] = acc[i]! + gi * gi);
      table[i] = table[i]! - (h.lr * gi) / (Math.sqrt(a) + h.eps);
    }
  }
}

/** Allocation of arrays the kernels can work on in place. */
export interface Allocator {
  f32(n: number): Float32Array;
  i32(n: number): Int32Array;
}

/** Long-lived arrays: parameters, optimizer state. */
export const heap: Allocator = {
  f32: (n) => new Float32Array(n),
  i32: (n) => new Int32Array(n),
};

/** Per-step arrays (activations, gradients); `reset()` recycles all of them at once at the start of a step. */
export const scratch: Allocator & { reset(): void } = {
  f32: (n) => new Float32Array(n),
  i32: (n) => new Int32Array(n),
  reset: () => {},
};
