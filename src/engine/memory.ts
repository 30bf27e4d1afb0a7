// Allocators over the engine's shared wasm memory. Every array the hot path touches comes from here, so
// the wasm kernels and the worker threads work on it in place (no copies).
//  - `heap`: long-lived arrays (parameters, optimizer state); first-fit free list with coalescing.
//  - `scratch`: per-step arrays; bump allocation in chunks, `reset()` recycles everything at once.
// Both take address space from the top of the memory, growing it in large steps. Growing is cheap: the
// shared memory's full maximum is reserved up front, fresh pages cost RSS only once written, and views
// made earlier stay valid (shared memories never detach).
import { memory, PAGE_BYTES } from './wasm.js';
import { MtrankError } from '../util/errors.js';

const ALIGN = 64; // cache line; also keeps v128 loads aligned
const LOW_RESERVED = PAGE_BYTES; // page 0 holds the kernels' static data (checked against heapBase())
const GROW_STEP = 64 << 20;
const SCRATCH_CHUNK = 16 << 20;

export interface Allocator {
  f32(n: number): Float32Array;
  i32(n: number): Int32Array;
}

const alignUp = (x: number) => Math.ceil(x / ALIGN) * ALIGN;
const known = new WeakSet<ArrayBufferLike>();
/** The buffer object seen last: checked before the WeakSet (every kernel call asks for its arrays' offsets). */
let latest: ArrayBufferLike | null = null;
let top = LOW_RESERVED;

/** The current SharedArrayBuffer of the memory (grows replace the object, never the bytes). */
function buffer(): ArrayBufferLike {
  const b = memory.buffer;
  if (b !== latest) {
    known.add(b);
    latest = b;
  }
  return b;
}

/** Byte offset of a view that lives in the engine memory, or -1. */
export function wasmByteOffset(a: ArrayBufferView): number {
  const b = a.buffer;
  if (b === latest || known.has(b)) return a.byteOffset;
  if (b === memory.buffer) {
    known.add(b);
    return a.byteOffset;
  }
  return -1;
}

function reserveTop(bytes: number): number {
  const start = top;
  const end = start + bytes;
  const have = memory.buffer.byteLength;
  if (end > have) {
    const pages = Math.ceil(Math.max(end - have, GROW_STEP) / PAGE_BYTES);
    const maxPages = 65536 - have / PAGE_BYTES;
    if (Math.ceil((end - have) / PAGE_BYTES) > maxPages) {
      throw new MtrankError(
        `engine memory exhausted: ${(end / 2 ** 30).toFixed(2)} GiB needed, the wasm limit is 4 GiB`,
      );
    }
    memory.grow(Math.min(pages, maxPages));
  }
  top = end;
  return start;
}

const views = {
  f32: (start: number, n: number) => new Float32Array(buffer(), start, n),
  i32: (start: number, n: number) => new Int32Array(buffer(), start, n),
};

interface Block {
  start: number;
  size: number;
}

/** Long-lived arrays. Fresh arrays are zero-filled; `free` returns one for reuse. */
class Heap implements Allocator {
  private readonly freeList: Block[] = []; // sorted by start, no two adjacent
  private readonly live = new Map<number, number>();
  private liveBytes = 0;

  f32(n: number): Float32Array {
    return views.f32(this.alloc(n * 4), n);
  }
  i32(n: number): Int32Array {
    return views.i32(this.alloc(n * 4), n);
  }

  /** Give an array (as returned by f32/i32, not a subarray) back for reuse. */
  free(a: Float32Array | Int32Array): void {
    const start = wasmByteOffset(a);
    const size = this.live.get(start);
    if (size === undefined) throw new Error('heap.free: not a live heap array');
    this.live.delete(start);
    this.liveBytes -= size;
    const list = this.freeList;
    let i = 0;
    while (i < list.length && list[i]!.start < start) i++;
    list.splice(i, 0, { start, size });
    // Coalesce with the next and the previous block.
    if (i + 1 < list.length && start + size === list[i + 1]!.start) {
      list[i]!.size += list[i + 1]!.size;
      list.splice(i + 1, 1);
    }
    if (i > 0 && list[i - 1]!.start + list[i - 1]!.size === start) {
      list[i - 1]!.size += list[i]!.size;
      list.splice(i, 1);
    }
  }

  /** Bytes held by live arrays. */
  get bytesInUse(): number {
    return this.liveBytes;
  }

  private alloc(bytes: number): number {
    const size = alignUp(Math.max(bytes, 1));
    let start = -1;
    const list = this.freeList;
    for (let i = 0; i < list.length; i++) {
      const b = list[i]!;
      if (b.size < size) continue;
      start = b.start;
      if (b.size === size) list.splice(i, 1);
      else {
        b.start += size;
        b.size -= size;
      }
      new Uint8Array(buffer(), start, size).fill(0); // reused bytes: restore the zero-fill promise
      break;
    }
    if (start < 0) start = reserveTop(size);
    this.live.set(start, size);
    this.liveBytes += size;
    return start;
  }
}

/**
 * Per-step arrays. `f32`/`i32` are zero-filled like `new Float32Array(n)`; `f32Raw`/`i32Raw` skip the fill for
 * outputs a kernel overwrites entirely (e.g. a gemm result without `accumulate`). Arrays handed out before
 * `reset()` must not be used after it.
 */
class Scratch implements Allocator {
  private readonly chunks: Block[] = [];
  private chunk = 0;
  private offset = 0;
  private used = 0;
  private peak = 0;

  f32(n: number): Float32Array {
    return this.f32Raw(n).fill(0);
  }
  i32(n: number): Int32Array {
    return this.i32Raw(n).fill(0);
  }
  f32Raw(n: number): Float32Array {
    return views.f32(this.alloc(n * 4), n);
  }
  i32Raw(n: number): Int32Array {
    return views.i32(this.alloc(n * 4), n);
  }
  reset(): void {
    this.chunk = 0;
    this.offset = 0;
    this.used = 0;
  }
  /** Largest number of bytes in use between two resets so far. */
  get peakBytes(): number {
    return this.peak;
  }

  private alloc(bytes: number): number {
    const size = alignUp(Math.max(bytes, 1));
    this.used += size;
    this.peak = Math.max(this.peak, this.used);
    for (; this.chunk < this.chunks.length; this.chunk++, this.offset = 0) {
      const c = this.chunks[this.chunk]!;
      if (this.offset + size <= c.size) {
        const start = c.start + this.offset;
        this.offset += size;
        return start;
      }
    }
    const chunkSize = Math.max(SCRATCH_CHUNK, size);
    this.chunks.push({ start: reserveTop(chunkSize), size: chunkSize });
    this.chunk = this.chunks.length - 1;
    this.offset = size;
    return this.chunks[this.chunk]!.start;
  }
}

export const heap = new Heap();
export const scratch = new Scratch();

/** Address space taken from the memory so far, and its current size (bytes). */
export function memoryStats(): {
  reservedBytes: number;
  usedTopBytes: number;
  heapBytes: number;
  scratchPeakBytes: number;
} {
  return {
    reservedBytes: memory.buffer.byteLength,
    usedTopBytes: top,
    heapBytes: heap.bytesInUse,
    scratchPeakBytes: scratch.peakBytes,
  };
}
