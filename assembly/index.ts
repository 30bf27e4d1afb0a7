// Kernel entry points (AssemblyScript → wasm SIMD). Every pointer is a byte offset into the shared memory
// the host imports; sizes are element counts. Built twice by scripts/build.mjs: plain SIMD and relaxed SIMD
// (FMA), see simd.ts. No allocation happens here: the host owns all memory above heapBase().
export { gemm, gemmWorkBytes, gemmMR } from './gemm';
export { gatherRows, gatherFields, scatterAddRows, columnSums, copyColumns, addColumns } from './rows';
export { softmaxRows, softmaxBackward, mixExperts, mixExpertsBackward } from './mixture';
export { tanh, tanhBackward, leakyRelu, leakyReluBackward, gelu, geluBackward } from './activations';
export { adamDense, adamSparse, adagradDense, adagradSparse } from './optim';
export { dedupeIds, rankIds, remapIds, sortIds } from './dedupe';
export {
  sumSquares, axpy, scale, add, mulElementwise, relu, reluBackward, sigmoid, sigmoidBackward, bceWithLogits,
} from './elementwise';
export * from './fusion';
export { fusedAucTasks } from './fusion-tasks';

/** First byte the host may use (above the module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
