// Loads the wasm SIMD kernels onto the engine's one shared memory.
// Variant choice: MTRANK_KERNELS=relaxed|simd|js forces one; otherwise the relaxed-SIMD build (f32x4.relaxed_madd,
// an FMA) when the runtime validates it, else the plain SIMD build. Node 20 only accepts relaxed SIMD behind a
// V8 flag, which must be set before the module is compiled; the flag is process-wide, so worker threads that
// instantiate the same compiled module accept it too.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';

export type KernelVariant = 'relaxed' | 'simd' | 'js';

/** The wasm exports (pointers are byte offsets into `memory`, sizes are element counts). */
export interface KernelExports {
  heapBase(): number;
  gemmWorkBytes(): number;
  gemmMR(): number;
  gemm(
    M: number,
    N: number,
    K: number,
    pA: number,
    lda: number,
    transA: number,
    pB: number,
    ldb: number,
    transB: number,
    pC: number,
    ldc: number,
    pBias: number,
    flags: number,
    pWork: number,
  ): void;
  gatherRows(
    pTable: number,
    dim: number,
    pIds: number,
    n: number,
    pOut: number,
    outStride: number,
    outOffset: number,
  ): void;
  gatherFields(pDesc: number, F: number, r0: number, r1: number, pOut: number, outStride: number): void;
  scatterAddRows(
    pDst: number,
    dim: number,
    pIds: number,
    n: number,
    pSrc: number,
    srcStride: number,
    srcOffset: number,
  ): void;
  columnSums(M: number, N: number, pY: number, pOut: number, accumulate: number): void;
  copyColumns(pSrc: number, srcStride: number, pDst: number, dstStride: number, width: number, rows: number): void;
  addColumns(pSrc: number, srcStride: number, pDst: number, dstStride: number, width: number, rows: number): void;
  softmaxRows(px: number, py: number, R: number, C: number): void;
  softmaxBackward(py: number, pdy: number, pdx: number, R: number, C: number, accumulate: number): void;
  mixExperts(pGate: number, E: number, pExperts: number, B: number, D: number, pOut: number): void;
  mixExpertsBackward(
    pGate: number,
    E: number,
    pExperts: number,
    pdy: number,
    B: number,
    D: number,
    pGateGrad: number,
    pExpertGrads: number,
  ): void;
  tanh(px: number, py: number, n: number): void;
  tanhBackward(py: number, pdy: number, pdx: number, n: number): void;
  leakyRelu(px: number, py: number, n: number, slope: number): void;
  leakyReluBackward(py: number, pdy: number, pdx: number, n: number, slope: number): void;
  gelu(px: number, py: number, n: number): void;
  geluBackward(px: number, pdy: number, pdx: number, n: number): void;
  adamDense(
    pp: number,
    pg: number,
    pm: number,
    pv: number,
    n: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    eps: number,
    wd: number,
    stepSize: number,
    sq: number,
  ): void;
  adamSparse(
    pTable: number,
    dim: number,
    pRows: number,
    nRows: number,
    pGrads: number,
    pm: number,
    pv: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    eps: number,
    wd: number,
    stepSize: number,
    sq: number,
  ): void;
  adagradDense(pp: number, pg: number, pa: number, n: number, lr: number, eps: number, wd: number): void;
  adagradSparse(
    pTable: number,
    dim: number,
    pRows: number,
    nRows: number,
    pGrads: number,
    pa: number,
    lr: number,
    eps: number,
    wd: number,
  ): void;
  sumSquares(px: number, n: number): number;
  dedupeIds(
    pIds: number,
    n: number,
    pKeys: number,
    pFirst: number,
    mask: number,
    shift: number,
    pFound: number,
    nFound: number,
    pSlots: number,
  ): number;
  rankIds(pRows: number, n: number, pKeys: number, pFirst: number, mask: number, shift: number, pRank: number): void;
  remapIds(pSlots: number, n: number, pRank: number): void;
  sortIds(pIds: number, n: number, pTmp: number, pCount: number): void;
  axpy(n: number, a: number, px: number, py: number): void;
  scale(n: number, a: number, px: number): void;
  add(pa: number, pb: number, pout: number, n: number): void;
  mulElementwise(pa: number, pb: number, pout: number, n: number): void;
  relu(px: number, py: number, n: number): void;
  reluBackward(py: number, pdy: number, pdx: number, n: number): void;
  sigmoid(px: number, py: number, n: number): void;
  sigmoidBackward(py: number, pdy: number, pdx: number, n: number): void;
  bceWithLogits(px: number, py: number, pw: number, pdx: number, n: number, gradScale: number): number;
}

/** wasm pages are 64 KiB; 65536 pages = the whole 4 GiB wasm32 address space (the build's --maximumMemory). */
export const PAGE_BYTES = 65536;
const MAX_PAGES = 65536;

/**
 * The engine's one shared memory. The full maximum is reserved as address space up front (shared memories
 * never move), so growing it never invalidates earlier views; pages cost RSS only once written.
 */
export const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });

const wasmPath = (v: 'relaxed' | 'simd') => new URL(`../../build/kernels.${v}.wasm`, import.meta.url);
const modules = new Map<'relaxed' | 'simd', WebAssembly.Module | null>();

function enableRelaxedSimd(): void {
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // Newer runtimes have relaxed SIMD on by default and may not know the flag.
  }
}

/** The compiled module of a variant, or null when this runtime rejects it. */
export function compiledModule(variant: 'relaxed' | 'simd'): WebAssembly.Module | null {
  if (modules.has(variant)) return modules.get(variant)!;
  let bytes: Buffer;
  try {
    bytes = readFileSync(wasmPath(variant));
  } catch {
    throw new Error(`kernel build missing: ${wasmPath(variant).pathname}; run \`npm run build\``);
  }
  if (variant === 'relaxed') enableRelaxedSimd();
  const mod = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  modules.set(variant, mod);
  return mod;
}

export function instantiate(mod: WebAssembly.Module, mem: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(mod, { env: { memory: mem } });
  return instance.exports as unknown as KernelExports;
}

interface Loaded {
  variant: KernelVariant;
  module: WebAssembly.Module | null;
  exports: KernelExports | null;
}
let loaded: Loaded | null = null;

function load(variant: KernelVariant): Loaded {
  if (variant === 'js') return { variant, module: null, exports: null };
  const mod = compiledModule(variant);
  if (!mod) throw new Error(`this runtime does not accept the ${variant} kernel build`);
  const exports = instantiate(mod, memory);
  // The allocators hand out memory from page 1 on; the kernels' static data must fit in page 0.
  if (exports.heapBase() > PAGE_BYTES) throw new Error('kernel static data overlaps the engine heap');
  return { variant, module: mod, exports };
}

function defaultVariant(): KernelVariant {
  const forced = process.env.MTRANK_KERNELS;
  if (forced === 'relaxed' || forced === 'simd' || forced === 'js') return forced;
  if (forced) throw new Error(`MTRANK_KERNELS must be relaxed, simd or js (got '${forced}')`);
  return compiledModule('relaxed') ? 'relaxed' : 'simd';
}

/** The loaded kernels (loading the default variant on first use). `exports` is null for the 'js' variant. */
export function loadedKernels(): Loaded {
  if (!loaded) loaded = load(defaultVariant());
  return loaded;
}

/** Switch the kernel build (tests and benchmarks compare them). Memory and every array in it stay as they are. */
export function switchKernels(variant: KernelVariant): Loaded {
  loaded = load(variant);
  return loaded;
}

/** Whether this runtime accepts a variant. */
export function variantAvailable(variant: KernelVariant): boolean {
  return variant === 'js' || compiledModule(variant) !== null;
}
