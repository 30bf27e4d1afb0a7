// Plain TypeScript versions of every kernel: the fallback for arrays outside the engine memory (and for
// MTRANK_KERNELS=js), and the independent computation tests compare the wasm kernels against.
// Same contracts as the facade in kernels.ts; arithmetic in float64, stored as float32.

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

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  step: number;
  weightDecay: number;
}
export interface AdagradHyper {
  lr: number;
  eps: number;
  weightDecay: number;
}

export function gemm(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  o: GemmOptions = {},
): void {
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

export function columnSums(M: number, N: number, dY: Float32Array, out: Float32Array, accumulate = false): void {
  if (!accumulate) out.fill(0, 0, N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[j] = out[j]! + dY[i * N + j]!;
}

export function gatherRows(
  table: Float32Array,
  dim: number,
  ids: Int32Array,
  out: Float32Array,
  outStride: number,
  outOffset: number,
): void {
  for (let i = 0; i < ids.length; i++) {
    const src = ids[i]! * dim,
      dst = i * outStride + outOffset;
    for (let c = 0; c < dim; c++) out[dst + c] = table[src + c]!;
  }
}

export function scatterAddRows(
  dst: Float32Array,
  dim: number,
  ids: Int32Array,
  src: Float32Array,
  srcStride: number,
  srcOffset: number,
): void {
  for (let i = 0; i < ids.length; i++) {
    const d = ids[i]! * dim,
      s = i * srcStride + srcOffset;
    for (let c = 0; c < dim; c++) dst[d + c] = dst[d + c]! + src[s + c]!;
  }
}

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
  for (let r = 0; r < rows; r++) {
    const s = r * srcStride + srcOffset,
      d = r * dstStride + dstOffset;
    for (let c = 0; c < width; c++) dst[d + c] = src[s + c]!;
  }
}

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
  for (let r = 0; r < rows; r++) {
    const s = r * srcStride + srcOffset,
      d = r * dstStride + dstOffset;
    for (let c = 0; c < width; c++) dst[d + c] = dst[d + c]! + src[s + c]!;
  }
}

export function softmaxRows(x: Float32Array, y: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let max = -Infinity,
      s = 0;
    for (let c = 0; c < C; c++) max = Math.max(max, x[o + c]!);
    for (let c = 0; c < C; c++) s += Math.exp(x[o + c]! - max);
    for (let c = 0; c < C; c++) y[o + c] = Math.exp(x[o + c]! - max) / s;
  }
}

export function softmaxBackward(
  y: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  R: number,
  C: number,
  accumulate: boolean,
): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let dot = 0;
    for (let c = 0; c < C; c++) dot += y[o + c]! * dy[o + c]!;
    for (let c = 0; c < C; c++) dx[o + c] = (accumulate ? dx[o + c]! : 0) + y[o + c]! * (dy[o + c]! - dot);
  }
}

export function mixExperts(
  gate: Float32Array,
  experts: readonly Float32Array[],
  out: Float32Array,
  B: number,
  D: number,
): void {
  const E = experts.length;
  for (let i = 0; i < B; i++) {
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let e = 0; e < E; e++) s += gate[i * E + e]! * experts[e]![i * D + d]!;
      out[i * D + d] = s;
    }
  }
}

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
  for (let i = 0; i < B; i++) {
    for (let e = 0; e < E; e++) {
      const x = experts[e]!,
        gx = expertGrads[e],
        w = gate[i * E + e]!;
      let dot = 0;
      for (let d = 0; d < D; d++) {
        dot += dy[i * D + d]! * x[i * D + d]!;
        if (gx) gx[i * D + d] = gx[i * D + d]! + w * dy[i * D + d]!;
      }
      if (gateGrad) gateGrad[i * E + e] = gateGrad[i * E + e]! + dot;
    }
  }
}

export function tanh(x: Float32Array, y: Float32Array, n = y.length): void {
  for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]!);
}

export function tanhBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n = dx.length): void {
  for (let i = 0; i < n; i++) dx[i] = dy[i]! * (1 - y[i]! * y[i]!);
}

export function leakyRelu(x: Float32Array, y: Float32Array, n: number, slope: number): void {
  for (let i = 0; i < n; i++) y[i] = x[i]! > 0 ? x[i]! : slope * x[i]!;
}

export function leakyReluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n: number, slope: number): void {
  for (let i = 0; i < n; i++) dx[i] = y[i]! > 0 ? dy[i]! : slope * dy[i]!;
}

const GELU_C = Math.sqrt(2 / Math.PI),
  GELU_A = 0.044715;

export function gelu(x: Float32Array, y: Float32Array, n = y.length): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    y[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + GELU_A * v ** 3)));
  }
}

export function geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n = dx.length): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!,
      t = Math.tanh(GELU_C * (v + GELU_A * v ** 3));
    dx[i] = dy[i]! * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * v * v));
  }
}

/** Ids [from, to) of one lookup: positions of an id list that a sparse gradient merge covers. */
export interface IdRange {
  ids: Int32Array;
  from: number;
  to: number;
}

/** Hash slots for `total` ids: a power of two at least twice as many. */
export function hashBits(total: number): number {
  let bits = 4;
  while (1 << bits < 2 * total) bits++;
  return bits;
}

/**
 * The distinct ids of several lists in ascending order, and per list the index of each id among them
 * (positions outside [from, to) are left unset). Open-addressing hash over the ids, then a sort of the
 * distinct ones only. `alloc` gives the per-step arrays.
 */
export function distinctIds(
  lists: readonly IdRange[],
  alloc: (n: number) => Int32Array,
): { rows: Int32Array; slots: Int32Array[] } {
  let total = 0;
  for (const l of lists) total += l.to - l.from;
  const bits = hashBits(total),
    mask = (1 << bits) - 1,
    shift = 32 - bits;
  const keys = alloc(mask + 1).fill(-1),
    firstSeen = alloc(mask + 1),
    found = alloc(total);
  const find = (id: number): number => {
    let h = Math.imul(id, 0x9e3779b1) >>> shift;
    while (keys[h] !== id && keys[h] !== -1) h = (h + 1) & mask;
    return h;
  };
  let n = 0;
  const slots = lists.map(({ ids, from, to }) => {
    const out = alloc(ids.length);
    for (let i = from; i < to; i++) {
      const id = ids[i]!,
        h = find(id);
      if (keys[h] === -1) {
        keys[h] = id;
        firstSeen[h] = n;
        found[n++] = id;
      }
      out[i] = firstSeen[h]!;
    }
    return out;
  });
  const rows = found.subarray(0, n).sort();
  const rank = alloc(n);
  for (let k = 0; k < n; k++) rank[firstSeen[find(rows[k]!)]!] = k;
  slots.forEach((out, k) => {
    const { from, to } = lists[k]!;
    for (let i = from; i < to; i++) out[i] = rank[out[i]!]!;
  });
  return { rows, slots };
}

export function sumSquares(x: Float32Array, n = x.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]! * x[i]!;
  return s;
}

/** Adam on elements [0, n) of p/g/m/v starting at the given offsets (shared by the dense and sparse forms). */
function adamSpan(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  h: AdamHyper,
  n: number,
  at: number,
  gAt: number,
): void {
  const stepSize = h.lr / (1 - Math.pow(h.beta1, h.step)),
    sq = Math.sqrt(1 - Math.pow(h.beta2, h.step));
  for (let c = 0; c < n; c++) {
    const i = at + c;
    const gi = g[gAt + c]! + h.weightDecay * p[i]!;
    const mi = (m[i] = h.beta1 * m[i]! + (1 - h.beta1) * gi);
    const vi = (v[i] = h.beta2 * v[i]! + (1 - h.beta2) * gi * gi);
    p[i] = p[i]! - (stepSize * mi) / (Math.sqrt(vi) / sq + h.eps);
  }
}

export function adamDense(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  h: AdamHyper,
  n = p.length,
): void {
  adamSpan(p, g, m, v, h, n, 0, 0);
}

export function adamSparse(
  table: Float32Array,
  dim: number,
  rows: Int32Array,
  grads: Float32Array,
  m: Float32Array,
  v: Float32Array,
  h: AdamHyper,
): void {
  for (let r = 0; r < rows.length; r++) adamSpan(table, grads, m, v, h, dim, rows[r]! * dim, r * dim);
}

function adagradSpan(
  p: Float32Array,
  g: Float32Array,
  acc: Float32Array,
  h: AdagradHyper,
  n: number,
  at: number,
  gAt: number,
): void {
  for (let c = 0; c < n; c++) {
    const i = at + c;
    const gi = g[gAt + c]! + h.weightDecay * p[i]!;
    const a = (acc[i] = acc[i]! + gi * gi);
    p[i] = p[i]! - (h.lr * gi) / (Math.sqrt(a) + h.eps);
  }
}

export function adagradDense(p: Float32Array, g: Float32Array, acc: Float32Array, h: AdagradHyper, n = p.length): void {
  adagradSpan(p, g, acc, h, n, 0, 0);
}

export function adagradSparse(
  table: Float32Array,
  dim: number,
  rows: Int32Array,
  grads: Float32Array,
  acc: Float32Array,
  h: AdagradHyper,
): void {
  for (let r = 0; r < rows.length; r++) adagradSpan(table, grads, acc, h, dim, rows[r]! * dim, r * dim);
}

export function axpy(n: number, a: number, x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < n; i++) y[i] = y[i]! + a * x[i]!;
}

export function scale(n: number, a: number, x: Float32Array): void {
  for (let i = 0; i < n; i++) x[i] = x[i]! * a;
}

export function add(a: Float32Array, b: Float32Array, out: Float32Array, n = out.length): void {
  for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
}

export function mulElementwise(a: Float32Array, b: Float32Array, out: Float32Array, n = out.length): void {
  for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
}

export function relu(x: Float32Array, y: Float32Array, n = y.length): void {
  for (let i = 0; i < n; i++) y[i] = x[i]! > 0 ? x[i]! : 0;
}

export function reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n = dx.length): void {
  for (let i = 0; i < n; i++) dx[i] = y[i]! > 0 ? dy[i]! : 0;
}

const sigmoid1 = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export function sigmoid(x: Float32Array, y: Float32Array, n = y.length): void {
  for (let i = 0; i < n; i++) y[i] = sigmoid1(x[i]!);
}

export function sigmoidBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n = dx.length): void {
  for (let i = 0; i < n; i++) dx[i] = dy[i]! * y[i]! * (1 - y[i]!);
}

export function bceWithLogits(
  logits: Float32Array,
  labels: Float32Array,
  weights: Float32Array | null,
  dLogits: Float32Array | null,
  n = logits.length,
  gradScale = 1,
): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const x = logits[i]!,
      y = labels[i]!,
      w = weights ? weights[i]! : 1;
    loss += w * (Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x))));
    if (dLogits) dLogits[i] = gradScale * w * (sigmoid1(x) - y);
  }
  return loss;
}
