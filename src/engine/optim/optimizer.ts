// What every optimizer shares: which parameters it owns, per-group learning rates, the step counter,
// and state()/load() for checkpoints. Subclasses supply the dense and the sparse (lazy, row-wise) update.
import type { ParamStore, Parameter, EmbeddingTable, SparseGrad } from '../params.js';
import { heap, scale, scratch } from '../kernels.js';
import { MtrankError } from '../../util/errors.js';

export interface OptimizerOptions {
  lr: number;
  weightDecay?: number;
  /** weightDecay shrinks the weights directly, p ← p·(1 − lr·wd), instead of joining the gradient (AdamW). */
  decoupled?: boolean;
  /** Learning rate per parameter group (Parameter.group / EmbeddingTable.group); scaled along with setLr. */
  groups?: Record<string, { lr: number }>;
  /** Which parameters this optimizer updates (default 'all'): lets dense params and tables use different optimizers. */
  scope?: 'all' | 'dense' | 'embeddings';
}

export interface OptimizerState {
  type: string;
  step: number;
  lr: number;
  /** Per-parameter state arrays, keyed `<slot>/<parameter name>` (state() returns the live arrays, not copies). */
  arrays: Record<string, Float32Array>;
}

/** The L2 coefficient the update kernels add to the gradient (0 when the decay is decoupled). */
export function coupledDecay(o: OptimizerOptions): number {
  return o.decoupled ? 0 : (o.weightDecay ?? 0);
}

export abstract class Optimizer {
  abstract readonly type: string;
  protected readonly dense: Parameter[];
  protected readonly tables: EmbeddingTable[];
  /** Number of step() calls so far. */
  steps = 0;
  private readonly baseLr: number;
  private currentLr: number;
  private readonly slots = new Map<string, Float32Array>();
  private readonly slotCache = new Map<object, Map<string, Float32Array>>();
  /** joins[k]: table k+1's values and state arrays continue table k's in memory (one sparse update can cover both). */
  private readonly joins: boolean[];
  private readonly spans = new Map<string, { data: Float32Array; state: Float32Array[] }>();

  protected constructor(
    store: ParamStore,
    protected readonly options: OptimizerOptions,
    private readonly slotNames: readonly string[],
  ) {
    if (!(options.lr >= 0)) throw new MtrankError(`optimizer: learning rate ${options.lr} must be >= 0`);
    const scope = options.scope ?? 'all';
    this.dense = scope === 'embeddings' ? [] : [...store.params()];
    this.tables = scope === 'dense' ? [] : [...store.tables()];
    this.baseLr = this.currentLr = options.lr;
    // Heap arrays start zero-filled; untouched pages of a table's state cost no memory until a row is used.
    for (const p of this.dense) for (const s of slotNames) this.slots.set(`${s}/${p.name}`, heap.f32(p.size));
    // Slot-major order, so that each slot's arrays of consecutive tables lie back to back like the tables.
    for (const s of slotNames) for (const t of this.tables) this.slots.set(`${s}/${t.name}`, heap.f32(t.vocab * t.dim));
    this.joins = this.tables.slice(1).map((t, k) => {
      const prev = this.tables[k]!;
      return (
        prev.dim === t.dim &&
        continues(prev.data, t.data) &&
        slotNames.every((s) => continues(this.slot(s, prev), this.slot(s, t)))
      );
    });
  }

  get lr(): number {
    return this.currentLr;
  }

  /** Set the learning rate for a schedule; group rates keep their ratio to the base rate. */
  setLr(lr: number): void {
    if (!(lr >= 0)) throw new MtrankError(`optimizer: learning rate ${lr} must be >= 0`);
    this.currentLr = lr;
  }

  /** Learning rate now in effect for a group. */
  lrFor(group: string): number {
    const g = this.options.groups?.[group];
    if (!g) return this.currentLr;
    return this.baseLr > 0 ? g.lr * (this.currentLr / this.baseLr) : g.lr;
  }

  /** One update of every owned, unfrozen parameter; tables only on the rows of their sparse gradient. */
  step(): void {
    this.steps++;
    for (const p of this.dense) {
      if (p.frozen) continue;
      const lr = this.lrFor(p.group);
      this.decay(p.data.subarray(0, p.size), lr);
      this.updateDense(p, lr);
    }
    // Consecutive tables that share memory layout, dim and learning rate are updated by one call: the
    // kernels split one large row update across the threads, but not 26 small ones.
    const T = this.tables;
    for (let k = 0; k < T.length;) {
      if (T[k]!.frozen) {
        k++;
        continue;
      }
      const lr = this.lrFor(T[k]!.group);
      let end = k + 1;
      while (end < T.length && this.joins[end - 1] && !T[end]!.frozen && this.lrFor(T[end]!.group) === lr) end++;
      this.updateTables(k, end, lr);
      k = end;
    }
  }

  private updateTables(from: number, to: number, lr: number): void {
    const T = this.tables,
      first = T[from]!,
      dim = first.dim;
    if (to - from === 1) {
      const g = first.sparseGrad();
      this.decayRows(first.data, dim, g.rows, lr);
      if (g.rows.length > 0)
        this.updateRows(
          first.data,
          dim,
          g,
          this.slotNames.map((s) => this.slot(s, first)),
          lr,
        );
      return;
    }
    let n = 0;
    for (let k = from; k < to; k++) n += T[k]!.sparseGrad().rows.length;
    if (n === 0) return;
    const rows = scratch.i32Raw(n),
      values = scratch.f32Raw(n * dim);
    let o = 0,
      base = 0;
    for (let k = from; k < to; k++) {
      const t = T[k]!,
        g = t.sparseGrad();
      for (let r = 0; r < g.rows.length; r++) rows[o + r] = g.rows[r]! + base;
      values.set(g.values, o * dim);
      o += g.rows.length;
      base += t.vocab;
    }
    const span = this.span(from, to);
    this.decayRows(span.data, dim, rows, lr);
    this.updateRows(span.data, dim, { rows, values }, span.state, lr);
  }

  /** Decoupled weight decay of a dense parameter: p ← p·(1 − lr·wd). */
  private decay(data: Float32Array, lr: number): void {
    const wd = this.options.weightDecay ?? 0;
    if (this.options.decoupled && wd > 0) scale(data.length, 1 - lr * wd, data);
  }

  /** Decoupled decay of the rows a step touches only (lazy, like the sparse updates). */
  private decayRows(data: Float32Array, dim: number, rows: Int32Array, lr: number): void {
    for (let r = 0; r < rows.length; r++) this.decay(data.subarray(rows[r]! * dim, (rows[r]! + 1) * dim), lr);
  }

  /** Views covering tables [from, to) and their state arrays as one table (they are contiguous: see joins). */
  private span(from: number, to: number): { data: Float32Array; state: Float32Array[] } {
    const key = `${from}:${to}`;
    let s = this.spans.get(key);
    if (!s) {
      const T = this.tables.slice(from, to);
      const cover = (arrays: Float32Array[]) => {
        const last = arrays[arrays.length - 1]!;
        return new Float32Array(
          last.buffer,
          arrays[0]!.byteOffset,
          arrays.reduce((n, a) => n + a.length, 0),
        );
      };
      s = {
        data: cover(T.map((t) => t.data)),
        state: this.slotNames.map((name) => cover(T.map((t) => this.slot(name, t)))),
      };
      this.spans.set(key, s);
    }
    return s;
  }

  protected abstract updateDense(p: Parameter, lr: number): void;
  /** Lazy update of the listed rows of a table (state: one array per slot name, same layout as data). */
  protected abstract updateRows(
    data: Float32Array,
    dim: number,
    g: SparseGrad,
    state: Float32Array[],
    lr: number,
  ): void;

  protected slot(name: string, param: { name: string }): Float32Array {
    // Cached per parameter object: the keyed lookup builds a string per call, and steps call this per parameter.
    let mine = this.slotCache.get(param);
    if (!mine) this.slotCache.set(param, (mine = new Map()));
    let a = mine.get(name);
    if (!a) mine.set(name, (a = this.slots.get(`${name}/${param.name}`)!));
    return a;
  }

  state(): OptimizerState {
    return { type: this.type, step: this.steps, lr: this.currentLr, arrays: Object.fromEntries(this.slots) };
  }

  load(state: OptimizerState): void {
    if (state.type !== this.type) throw new MtrankError(`optimizer state is for '${state.type}', not '${this.type}'`);
    for (const [key, arr] of this.slots) {
      const src = state.arrays[key];
      if (!src) throw new MtrankError(`optimizer state has no array '${key}'`);
      if (src.length !== arr.length)
        throw new MtrankError(`optimizer state '${key}' has ${src.length} values, expected ${arr.length}`);
      if (src !== arr) arr.set(src);
    }
    this.steps = state.step;
    this.currentLr = state.lr;
  }

  /** Names and sizes of the state arrays, for a checkpoint manifest. */
  stateLayout(): { key: string; length: number }[] {
    return [...this.slots].map(([key, a]) => ({ key, length: a.length }));
  }
}

/**
 * Whether b starts where a ends in the same memory. Offsets alone are not proof (two buffers can have
 * matching offsets), so one value is flipped through a view spanning both and watched through a.
 */
function continues(a: Float32Array, b: Float32Array): boolean {
  if (a.byteOffset + a.byteLength !== b.byteOffset || a.length === 0) return false;
  const span = new Float32Array(b.buffer, a.byteOffset, 1);
  const saved = span[0]!,
    old = a[0]!;
  span[0] = old === 0 ? 1 : 0;
  const same = a[0] === span[0];
  span[0] = saved;
  a[0] = old;
  return same;
}
