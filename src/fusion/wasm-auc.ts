/**
 * FastAuc's row pass as a wasm kernel (assembly/fusion.ts `fusedAucWins2`): the same bucket table (built here in
 * JavaScript, in the kernel's memory), the same exact count and bit-identical AUCs; the kernel computes fused
 * scores and slots with SIMD and keeps the common row free of branches.
 *
 * Fusion keeps its own shared wasm memory (separate from the engine's training heap, and dropped with the pool):
 * page 0 holds the kernel module's static data, then the score columns, written once by the main thread; each
 * scorer takes its own scratch region with memory.grow, which is atomic on a shared memory, so threads never
 * collide and need no coordination.
 */
import {
  aucFromWins2,
  bucketTable,
  positiveScores,
  tableLength,
  type TableScratch,
  type TaskRows,
} from './fast-auc.js';

interface FusionExports {
  heapBase(): number;
  fusedAucBufferBytes(): number;
  fusedAucWins2(
    n: number,
    px: number,
    py: number,
    pz: number,
    a: number,
    b: number,
    c: number,
    lo: number,
    hi: number,
    shift: number,
    base: number,
    pStart: number,
    last: number,
    pPos: number,
    P: number,
    pBuf: number,
  ): number;
}

/** The compiled kernels and the memory holding the columns; both can be sent to worker threads. */
export interface KernelMemory {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

const PAGE = 65536;
const ALIGN = 64;
const alignUp = (x: number) => Math.ceil(x / ALIGN) * ALIGN;
const pagesFor = (bytes: number) => Math.ceil(bytes / PAGE);

/**
 * The compiled kernel build, or null when it is missing or MTRANK_KERNELS=js asks for plain JavaScript. Loaded on
 * demand: worker threads receive the module and never load the engine (which would create its own memory).
 */
export async function kernelModule(): Promise<WebAssembly.Module | null> {
  if (process.env.MTRANK_KERNELS === 'js') return null;
  try {
    const { compiledModule } = await import('../engine/wasm.js');
    return compiledModule('simd'); // the plain SIMD build: this kernel needs no relaxed SIMD
  } catch {
    return null;
  }
}

/** The kernel's row buffer (assembly/fusion.ts BLOCK entries of 16 bytes); checked against the build. */
const BUFFER_BYTES = 1024 * 16;

/** Scratch layout of one scorer: positives (+3 entries the kernel may read past the end), table, row buffer, column. */
function layout(rows: number, maxPositives: number) {
  const pos = 0,
    start = pos + alignUp(8 * (Math.max(1, maxPositives) + 3));
  const buffer = start + alignUp(4 * tableLength(maxPositives)),
    column = buffer + BUFFER_BYTES;
  return { pos, start, buffer, column, bytes: column + alignUp(8 * rows) };
}

/** Bytes one scorer takes in the kernel memory. */
export const scratchBytes = (rows: number, maxPositives: number): number => layout(rows, maxPositives).bytes;

/**
 * Copies `columns` into a new shared wasm memory with room for `scorers` scratch regions of `scratch` bytes,
 * and returns views of the copies (pass those to the scorers).
 */
export function placeColumns(
  module: WebAssembly.Module,
  columns: readonly Float64Array[],
  scratch: number,
  scorers: number,
): { kernel: KernelMemory; columns: Float64Array[] } {
  const offsets: number[] = [];
  let top = PAGE;
  for (const c of columns) {
    offsets.push(top);
    top += alignUp(c.byteLength);
  }
  const initial = pagesFor(top);
  const memory = new WebAssembly.Memory({
    initial,
    maximum: initial + scorers * (pagesFor(scratch) + 1),
    shared: true,
  });
  const placed = columns.map((c, t) => {
    const view = new Float64Array(memory.buffer, offsets[t], c.length);
    view.set(c);
    return view;
  });
  return { kernel: { module, memory }, columns: placed };
}

export class WasmAuc {
  private readonly k: FusionExports;
  private readonly t: TableScratch;
  private readonly buffer: number;
  /** A column in the kernel's memory for scores that are written out before scoring. */
  readonly column: Float64Array;

  constructor(
    kernel: KernelMemory,
    readonly rows: number,
    maxPositives: number,
  ) {
    this.k = new WebAssembly.Instance(kernel.module, { env: { memory: kernel.memory } })
      .exports as unknown as FusionExports;
    if (this.k.heapBase() > PAGE) throw new Error("fusion: the kernels' static data overlaps the score columns");
    if (this.k.fusedAucBufferBytes() > BUFFER_BYTES)
      throw new Error('fusion: the kernel build needs a larger row buffer');
    const l = layout(rows, maxPositives);
    const base = kernel.memory.grow(pagesFor(l.bytes)) * PAGE; // grow returns the old size: this region is ours
    const buf = kernel.memory.buffer;
    // Scores and slots are JavaScript-only; the slot-ordered positives and the table are what the kernel reads.
    const p = Math.max(1, maxPositives);
    this.t = {
      scores: new Float64Array(p),
      slotOf: new Int32Array(p),
      pos: new Float64Array(buf, base + l.pos, p + 3),
      start: new Uint32Array(buf, base + l.start, tableLength(maxPositives)),
    };
    this.buffer = base + l.buffer;
    this.column = new Float64Array(buf, base + l.column, rows);
  }

  /** AUC of the materialised score `s` (a view of the kernel memory, e.g. `column`). */
  auc(s: Float64Array, task: TaskRows): number {
    return this.aucOf(1, s, 0, s, 0, s, task);
  }

  /** AUC of a·X + b·Y + c·Z; X, Y, Z must be views of the kernel memory (placeColumns, `column`). */
  aucOf(a: number, X: Float64Array, b: number, Y: Float64Array, c: number, Z: Float64Array, task: TaskRows): number {
    const n = this.rows,
      P = task.positives.length,
      { pos, start, slotOf } = this.t;
    const t = bucketTable(positiveScores(a, X, b, Y, c, Z, task.positives, this.t.scores), pos, start, slotOf);
    const wins2 = this.k.fusedAucWins2(
      n,
      X.byteOffset,
      Y.byteOffset,
      Z.byteOffset,
      a,
      b,
      c,
      t.lo,
      t.hi,
      t.shift,
      t.base,
      start.byteOffset,
      t.last,
      pos.byteOffset,
      P,
      this.buffer,
    );
    return aucFromWins2(wins2, P, n);
  }
}
