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
  bucketsFor,
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
  fusedAucTasks(
    n: number,
    px: number,
    py: number,
    pz: number,
    a: number,
    b: number,
    c: number,
    pRows: number,
    qx: number,
    qy: number,
    qz: number,
    pMasks: number,
    U: number,
    T: number,
    B: number,
    pTable: number,
    pPos: number,
    pMask: number,
    pInc: number,
    pCum: number,
    pSlot: number,
    pScore: number,
    pBuf: number,
    pOut: number,
  ): void;
}

/** Up to MAX_GROUP tasks scored together: the rows positive for any of them, and which ones, as bits. */
export interface TaskGroup {
  /** Task indices (into the scorer's tasks), at most MAX_GROUP. */
  tasks: number[];
  /** Rows positive for at least one task of the group, ascending. */
  rows: Uint32Array;
  /** Per such row: bit j set when it is positive for tasks[j]. */
  masks: Uint8Array;
  /** Positives per task of the group. */
  positives: number[];
  /** The score columns (placed in the kernel memory) and each one's values at `rows`, contiguous. */
  columns: readonly Float64Array[];
  atRows: Float64Array[];
}

/**
 * Bucket cap of the all-task table: its 8-byte entries are read and written once per row. In the data's own row
 * order a 2 MB table (2^18) missed the cache more than its finer buckets saved in comparisons (1M rows, 100k union
 * positives: 11.4 ns per row·ranking at 2^17, 12.3 at 2^18, 13.7 at 2^16); in the pool's locality order
 * (row-order.ts) neighbouring rows share table lines and 2^18 was 0–7% faster than 2^17 (4 runs side by side,
 * load 18–21: 8.12 → 7.58, 8.23 → 7.66, 7.84 → 7.26, 7.22 → 7.18 ns).
 */
const UNION_BUCKETS = 1 << 18;

/** Tasks one kernel pass scores together (16-bit counters packed in an i64). */
export const MAX_GROUP = 4;

export function taskGroup(tasks: number[], labels: readonly Uint8Array[], columns: readonly Float64Array[]): TaskGroup {
  const n = labels[tasks[0]].length,
    bits = new Uint8Array(n);
  tasks.forEach((t, j) => {
    const y = labels[t];
    for (let i = 0; i < n; i++) if (y[i]) bits[i] |= 1 << j;
  });
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (bits[i]) rows.push(i);
  return {
    tasks,
    rows: Uint32Array.from(rows),
    masks: Uint8Array.from(rows, (i) => bits[i]),
    positives: tasks.map((t) => labels[t].reduce((p, y) => p + y, 0)),
    columns,
    atRows: columns.map((c) => Float64Array.from(rows, (i) => c[i])),
  };
}

/** Rows positive for at least one task: the largest union a task group can have. */
export function unionPositives(labels: readonly Uint8Array[]): number {
  let u = 0;
  for (let i = 0; i < (labels[0]?.length ?? 0); i++) if (labels.some((y) => y[i])) u++;
  return u;
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

/**
 * Scratch layout of one scorer for up to `maxPositives` positives (one task, or a task group's union): positives
 * (+3 entries the kernel may read past the end), their task bits and packed increments, MAX_GROUP cumulative
 * counts, the table and its 8-byte working copy, row buffer, per-task output, column.
 */
function layout(rows: number, maxPositives: number, columns: number) {
  const P = Math.max(1, maxPositives),
    slots = tableLength(maxPositives);
  let top = 0;
  const take = (bytes: number) => {
    const at = top;
    top += alignUp(bytes);
    return at;
  };
  const pos = take(8 * (P + 3)),
    start = take(4 * slots),
    rowsAt = take(4 * P),
    masks = take(P),
    atRows = take(8 * P * columns),
    mask = take(P + 3),
    inc = take(8 * (P + 3)),
    cum = take(4 * MAX_GROUP * (P + 1)),
    slot = take(4 * P),
    score = take(8 * P),
    table = take(8 * slots),
    buffer = take(BUFFER_BYTES),
    out = take(8 * MAX_GROUP),
    column = take(8 * rows);
  return {
    pos,
    start,
    rows: rowsAt,
    masks,
    atRows,
    mask,
    inc,
    cum,
    slot,
    score,
    table,
    buffer,
    out,
    column,
    bytes: top,
  };
}

/**
 * Bytes one scorer takes in the kernel memory: maxPositives is the largest task, or task group union; `columns`
 * the score columns whose values at the positives it keeps contiguous.
 */
export const scratchBytes = (rows: number, maxPositives: number, columns = 3): number =>
  layout(rows, maxPositives, columns).bytes;

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
  /** Scratch of the all-task pass (byte offsets), and the group whose rows and masks are loaded. */
  private readonly at: Record<
    'rows' | 'masks' | 'atRows' | 'mask' | 'inc' | 'cum' | 'slot' | 'score' | 'table',
    number
  >;
  private readonly out: Float64Array;
  private loaded: TaskGroup | null = null;
  private readonly maxUnion: number;
  /** A column in the kernel's memory for scores that are written out before scoring. */
  readonly column: Float64Array;

  constructor(
    kernel: KernelMemory,
    readonly rows: number,
    maxPositives: number,
    /** Score columns a task group may carry (their values at the positives are kept contiguous). */
    private readonly maxColumns = 3,
  ) {
    this.k = new WebAssembly.Instance(kernel.module, { env: { memory: kernel.memory } })
      .exports as unknown as FusionExports;
    if (this.k.heapBase() > PAGE) throw new Error("fusion: the kernels' static data overlaps the score columns");
    if (this.k.fusedAucBufferBytes() > BUFFER_BYTES)
      throw new Error('fusion: the kernel build needs a larger row buffer');
    const l = layout(rows, maxPositives, maxColumns);
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
    this.at = {
      rows: base + l.rows,
      masks: base + l.masks,
      atRows: base + l.atRows,
      mask: base + l.mask,
      inc: base + l.inc,
      cum: base + l.cum,
      slot: base + l.slot,
      score: base + l.score,
      table: base + l.table,
    };
    this.maxUnion = p;
    this.out = new Float64Array(buf, base + l.out, MAX_GROUP);
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

  /**
   * Every task of `group` scored on a·X + b·Y + c·Z in one kernel pass (the table built in the kernel too):
   * out[offset + task] = its AUC. Each task needs both classes; X, Y, Z are views of the kernel memory.
   */
  aucsOf(
    a: number,
    X: Float64Array,
    b: number,
    Y: Float64Array,
    c: number,
    Z: Float64Array,
    group: TaskGroup,
    out: Float64Array,
    offset = 0,
  ): void {
    const U = group.rows.length,
      at = this.at;
    if (U > this.maxUnion || group.columns.length > this.maxColumns)
      throw new Error(`fusion: a task group larger than this scorer's scratch`);
    if (this.loaded !== group) {
      const buf = this.column.buffer;
      new Uint32Array(buf, at.rows, U).set(group.rows);
      new Uint8Array(buf, at.masks, U).set(group.masks);
      group.atRows.forEach((v, k) => new Float64Array(buf, at.atRows + 8 * U * k, U).set(v));
      this.loaded = group;
    }
    // The positives' values come from the contiguous copies when X, Y, Z are the group's columns (else gathered).
    const q = [X, Y, Z].map((col) => group.columns.indexOf(col));
    const compact = q.every((k) => k >= 0);
    this.k.fusedAucTasks(
      this.rows,
      X.byteOffset,
      Y.byteOffset,
      Z.byteOffset,
      a,
      b,
      c,
      at.rows,
      compact ? at.atRows + 8 * U * q[0] : 0,
      compact ? at.atRows + 8 * U * q[1] : 0,
      compact ? at.atRows + 8 * U * q[2] : 0,
      at.masks,
      U,
      group.tasks.length,
      Math.min(bucketsFor(U), UNION_BUCKETS),
      at.table,
      this.t.pos.byteOffset,
      at.mask,
      at.inc,
      at.cum,
      at.slot,
      at.score,
      this.buffer,
      this.out.byteOffset,
    );
    group.tasks.forEach((task, j) => {
      out[offset + task] = aucFromWins2(this.out[j], group.positives[j], this.rows);
    });
  }
}
