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
