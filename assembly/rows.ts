// Row kernels: embedding gather/scatter and column sums (bias gradients).
import { at } from './simd';

// @ts-ignore: decorator
@inline function copyRow(dst: usize, src: usize, dim: i32): void {
  let c = 0;
  for (; c + 4 <= dim; c += 4) v128.store(at(dst, c), v128.load(at(src, c)));
  for (; c < dim; c++) store<f32>(at(dst, c), load<f32>(at(src, c)));
}

/** out[i*outStride + outOffset + c] = table[ids[i]*dim + c] for i < n, c < dim. */
export function gatherRows(pTable: usize, dim: i32, pIds: usize, n: i32, pOut: usize, outStride: i32, outOffset: i32): void {
  for (let i = 0; i < n; i++) {
    const id = load<i32>(at(pIds, i));
    copyRow(at(pOut, i * outStride + outOffset), at(pTable, id * dim), dim);
  }
}

/** dst[ids[i]*dim + c] += src[i*srcStride + srcOffset + c] for i < n, c < dim (in i order). */
export function scatterAddRows(pDst: usize, dim: i32, pIds: usize, n: i32, pSrc: usize, srcStride: i32, srcOffset: i32): void {
  for (let i = 0; i < n; i++) {
    const d = at(pDst, load<i32>(at(pIds, i)) * dim);
    const s = at(pSrc, i * srcStride + srcOffset);
    let c = 0;
    for (; c + 4 <= dim; c += 4) v128.store(at(d, c), f32x4.add(v128.load(at(d, c)), v128.load(at(s, c))));
    for (; c < dim; c++) store<f32>(at(d, c), load<f32>(at(d, c)) + load<f32>(at(s, c)));
  }
}

/** out[j] (+)= Σ_i dY[i*N + j]; rows are added in order. */
export function columnSums(M: i32, N: i32, pY: usize, pOut: usize, accumulate: i32): void {
  if (!accumulate) memory.fill(pOut, 0, <usize>N << 2);
  for (let i = 0; i < M; i++) {
    const row = at(pY, i * N);
    let j = 0;
    for (; j + 4 <= N; j += 4) v128.store(at(pOut, j), f32x4.add(v128.load(at(pOut, j)), v128.load(at(row, j))));
    for (; j < N; j++) store<f32>(at(pOut, j), load<f32>(at(pOut, j)) + load<f32>(at(row, j)));
  }
}

/** dst[r*dstStride + c] = src[r*srcStride + c] for r < rows, c < width (pointers at the first column). */
export function copyColumns(pSrc: usize, srcStride: i32, pDst: usize, dstStride: i32, width: i32, rows: i32): void {
  if (width == 1) {
    for (let r = 0; r < rows; r++) store<f32>(at(pDst, r * dstStride), load<f32>(at(pSrc, r * srcStride)));
    return;
  }
  for (let r = 0; r < rows; r++) copyRow(at(pDst, r * dstStride), at(pSrc, r * srcStride), width);
}

/** dst[r*dstStride + c] += src[r*srcStride + c] for r < rows, c < width. */
export function addColumns(pSrc: usize, srcStride: i32, pDst: usize, dstStride: i32, width: i32, rows: i32): void {
  for (let r = 0; r < rows; r++) {
    const s = at(pSrc, r * srcStride), d = at(pDst, r * dstStride);
    let c = 0;
    for (; c + 4 <= width; c += 4) v128.store(at(d, c), f32x4.add(v128.load(at(d, c)), v128.load(at(s, c))));
    for (; c < width; c++) store<f32>(at(d, c), load<f32>(at(d, c)) + load<f32>(at(s, c)));
  }
}

/**
 * Rows [r0, r1) of several lookups into one strided matrix: field f's descriptor at pDesc + 16f is
 * (table, dim, ids, column offset) as i32; out[r*outStride + offset + c] = table[ids[r]*dim + c].
 */
export function gatherFields(pDesc: usize, F: i32, r0: i32, r1: i32, pOut: usize, outStride: i32): void {
  for (let f = 0; f < F; f++) {
    const d = pDesc + (<usize>f << 4);
    const pTable = <usize>load<i32>(d), dim = load<i32>(d, 4), pIds = <usize>load<i32>(d, 8), offset = load<i32>(d, 12);
    for (let r = r0; r < r1; r++) copyRow(at(pOut, r * outStride + offset), at(pTable, load<i32>(at(pIds, r)) * dim), dim);
  }
}
