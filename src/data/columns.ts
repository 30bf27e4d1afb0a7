/**
 * The on-disk column files of an encoded split: raw little-endian typed arrays, one file per column,
 * written in blocks while DuckDB streams the encoded rows, and read back straight into typed arrays.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

export type ColumnArray = Int32Array | Float32Array | Uint8Array;
type ColumnCtor = Int32ArrayConstructor | Float32ArrayConstructor | Uint8ArrayConstructor;

/** Appends values to a column file through a fixed block buffer (`width` values per row). */
export class ColumnWriter {
  private readonly fd: number;
  private readonly block: ColumnArray;
  private used = 0;
  written = 0;

  constructor(
    readonly path: string,
    ctor: ColumnCtor,
    readonly width = 1,
    blockRows = 65536,
  ) {
    this.fd = openSync(path, 'w');
    this.block = new ctor(blockRows * width);
  }

  /** Append `rows` rows of a single-width column. */
  append(values: ArrayLike<number>, rows: number): void {
    let i = 0;
    while (i < rows) {
      const n = Math.min(rows - i, this.block.length - this.used);
      if (values instanceof this.block.constructor) {
        this.block.set((values as ColumnArray).subarray(i, i + n), this.used);
      } else {
        for (let k = 0; k < n; k++) this.block[this.used + k] = values[i + k];
      }
      this.used += n;
      i += n;
      if (this.used === this.block.length) this.flush();
    }
  }

  /** Write column `j` of `rows` rows into a row-major block (dense matrix). Call `endRows` after all columns. */
  interleave(values: ArrayLike<number>, rows: number, j: number): void {
    if (this.used + rows * this.width > this.block.length) this.flush();
    const w = this.width,
      base = this.used;
    for (let r = 0; r < rows; r++) this.block[base + r * w + j] = values[r];
  }
  endRows(rows: number): void {
    this.used += rows * this.width;
    if (this.used === this.block.length) this.flush();
  }

  private flush(): void {
    if (this.used === 0) return;
    const bytes = new Uint8Array(this.block.buffer, this.block.byteOffset, this.used * this.block.BYTES_PER_ELEMENT);
    writeSync(this.fd, bytes);
    this.written += this.used;
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Read a whole column file into a new typed array. */
export function readColumn<T extends ColumnArray>(
  path: string,
  ctor: { new (n: number): T; BYTES_PER_ELEMENT: number },
): T {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const out = new ctor(size / ctor.BYTES_PER_ELEMENT);
    readInto(fd, out, 0);
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Fill `out` from byte `position` of an open file. */
export function readInto(fd: number, out: ColumnArray, position: number): void {
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of column file at byte ${position + done}`);
    done += n;
  }
}
