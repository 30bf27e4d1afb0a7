// Trainable state: dense parameters (with a dense gradient) and embedding tables (with a sparse row
// gradient: only the rows a step looked up). All arrays live on the kernel heap so the kernels work in place.
import { heap, scratch, scatterAddRows, distinctIds } from './kernels.js';
import type { Init } from './init.js';
import { Rng } from '../util/rng.js';
import { MtrankError } from '../util/errors.js';

export class Parameter {
  readonly data: Float32Array;
  readonly grad: Float32Array;
  frozen = false;

  constructor(
    readonly name: string,
    readonly rows: number,
    readonly cols: number,
    readonly group: string,
  ) {
    this.data = heap.f32(rows * cols);
    this.grad = heap.f32(rows * cols); // heap arrays start zero-filled
  }

  get size(): number {
    return this.rows * this.cols;
  }
}

/**
 * Where one lookup's output gradient sits: row i of the lookup is at grad[i*stride + offset .. + dim].
 * For a pooled bag lookup, every id of bag b receives row b (divided by the bag size for mean pooling).
 */
export interface SparseContribution {
  ids: Int32Array;
  grad: Float32Array;
  stride: number;
  offset: number;
  bagOffsets: Int32Array | null;
  mean: boolean;
}

/** The step's gradient of a table: unique rows in ascending order and their rows.length×dim values. */
export interface SparseGrad {
  rows: Int32Array;
  values: Float32Array;
}

const EMPTY: SparseGrad = { rows: new Int32Array(0), values: new Float32Array(0) };

export class EmbeddingTable {
  readonly data: Float32Array;
  frozen = false;
  private contributions: SparseContribution[] = [];
  private merged: SparseGrad | null = null;

  constructor(
    readonly name: string,
    readonly vocab: number,
    readonly dim: number,
    readonly group: string,
  ) {
    this.data = heap.f32(vocab * dim);
  }

  /** @internal Called by the tape's backward pass; `c.grad` must stay untouched until zeroGrad(). */
  addContribution(c: SparseContribution): void {
    this.contributions.push(c);
    this.merged = null;
  }

  get hasGrad(): boolean {
    return this.contributions.length > 0;
  }

  /**
   * The accumulated sparse gradient of the step. Repeated ids are summed in a fixed order (contribution
   * order, then position), so the result is bit-for-bit repeatable. Cached until the next contribution.
   */
  sparseGrad(): SparseGrad {
    if (this.merged) return this.merged;
    if (this.contributions.length === 0) return EMPTY;
    const dim = this.dim,
      { rows, slots } = uniqueRows(this.contributions);
    const values = scratch.f32(rows.length * dim);
    this.contributions.forEach((c, k) => {
      if (c.bagOffsets) addBagRows(c, slots[k]!, values, dim);
      else scatterAddRows(values, dim, slots[k]!, c.grad, c.stride, c.offset);
    });
    this.merged = { rows, values };
    return this.merged;
  }

  zeroGrad(): void {
    this.contributions.length = 0;
    this.merged = null;
  }
}

/** The distinct ids of all contributions in ascending order, and for every looked-up position its index among them. */
function uniqueRows(contributions: readonly SparseContribution[]): { rows: Int32Array; slots: Int32Array[] } {
  // A bag lookup uses ids[offsets[0] .. offsets[B]) only.
  return distinctIds(
    contributions.map((c) =>
      c.bagOffsets
        ? { ids: c.ids, from: c.bagOffsets[0]!, to: c.bagOffsets[c.bagOffsets.length - 1]! }
        : { ids: c.ids, from: 0, to: c.ids.length },
    ),
  );
}

/** Bag b's gradient row, divided by the bag size for mean pooling, into the slot of each of its ids. */
function addBagRows(c: SparseContribution, slots: Int32Array, values: Float32Array, dim: number): void {
  const { grad, stride, offset } = c;
  const bags = c.bagOffsets!;
  for (let b = 0; b + 1 < bags.length; b++) {
    const start = bags[b]!,
      end = bags[b + 1]!;
    if (end <= start) continue;
    const scale = c.mean ? 1 / (end - start) : 1;
    const src = b * stride + offset;
    for (let k = start; k < end; k++) {
      const dst = slots[k]! * dim;
      for (let d = 0; d < dim; d++) values[dst + d] = values[dst + d]! + grad[src + d]! * scale;
    }
  }
}

/** Every trainable array of a model, created with seeded initialisers (one forked stream per name). */
export class ParamStore {
  private readonly denseParams: Parameter[] = [];
  private readonly tableList: EmbeddingTable[] = [];
  private readonly names = new Set<string>();
  private readonly rng: Rng;

  constructor(seed: number | Rng = 0) {
    this.rng = typeof seed === 'number' ? new Rng(seed) : seed;
  }

  dense(name: string, rows: number, cols: number, init: Init, group = 'default'): Parameter {
    this.claim(name, rows, cols);
    const p = new Parameter(name, rows, cols, group);
    init(p.data, rows, cols, this.rng.fork(name));
    this.denseParams.push(p);
    return p;
  }

  embedding(name: string, vocab: number, dim: number, init: Init, group = 'embedding'): EmbeddingTable {
    this.claim(name, vocab, dim);
    const t = new EmbeddingTable(name, vocab, dim, group);
    init(t.data, vocab, dim, this.rng.fork(name));
    this.tableList.push(t);
    return t;
  }

  params(): readonly Parameter[] {
    return this.denseParams;
  }
  tables(): readonly EmbeddingTable[] {
    return this.tableList;
  }

  /** Clear dense grads and the tables' sparse grads (call once per step, before the backward passes). */
  zeroGrad(): void {
    for (const p of this.denseParams) p.grad.fill(0);
    for (const t of this.tableList) t.zeroGrad();
  }

  /**
   * Return every array to the heap (a model that is swapped out, e.g. by a server's hot reload). The store and
   * its parameters must not be used afterwards.
   */
  release(): void {
    for (const p of this.denseParams) {
      heap.free(p.data);
      heap.free(p.grad);
    }
    for (const t of this.tableList) heap.free(t.data);
    this.denseParams.length = 0;
    this.tableList.length = 0;
  }

  /** Total number of scalars (dense + tables). */
  count(): number {
    let n = 0;
    for (const p of this.denseParams) n += p.size;
    for (const t of this.tableList) n += t.vocab * t.dim;
    return n;
  }

  private claim(name: string, rows: number, cols: number): void {
    if (this.names.has(name)) throw new MtrankError(`parameter '${name}' is defined twice`);
    if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(cols) && cols > 0)) {
      throw new MtrankError(`parameter '${name}': shape ${rows}×${cols} must be positive integers`);
    }
    this.names.add(name);
  }
}
