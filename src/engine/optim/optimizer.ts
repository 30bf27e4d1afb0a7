// What every optimizer shares: which parameters it owns, per-group learning rates, the step counter,
// and state()/load() for checkpoints. Subclasses supply the dense and the sparse (lazy, row-wise) update.
import type { ParamStore, Parameter, EmbeddingTable, SparseGrad } from '../params.js';
import { heap } from '../kernels.js';
import { MtrankError } from '../../util/errors.js';

export interface OptimizerOptions {
  lr: number;
  weightDecay?: number;
  /** Learning rate per parameter group (Parameter.group / EmbeddingTable.group); scaled along with setLr. */
  groups?: Record<string, { lr: number }>;
  /** Which parameters this optimizer updates (default 'all'): lets dense params and tables use different optimizers. */
  scope?: 'all' | 'dense' | 'embeddings';
}

export interface OptimizerState {
  type: string;
  step: number;
  lr: number;
  /** Per-parameter state arrays, keyed `<slot>/<parameter name>`. */
  arrays: Record<string, Float32Array>;
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

  protected constructor(store: ParamStore, protected readonly options: OptimizerOptions, private readonly slotNames: readonly string[]) {
    if (!(options.lr >= 0)) throw new MtrankError(`optimizer: learning rate ${options.lr} must be >= 0`);
    const scope = options.scope ?? 'all';
    this.dense = scope === 'embeddings' ? [] : [...store.params()];
    this.tables = scope === 'dense' ? [] : [...store.tables()];
    this.baseLr = this.currentLr = options.lr;
    // Heap arrays start zero-filled; untouched pages of a table's state cost no memory until a row is used.
    for (const p of this.dense) for (const s of slotNames) this.slots.set(`${s}/${p.name}`, heap.f32(p.size));
    for (const t of this.tables) for (const s of slotNames) this.slots.set(`${s}/${t.name}`, heap.f32(t.vocab * t.dim));
  }

  get lr(): number { return this.currentLr; }

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
    for (const p of this.dense) if (!p.frozen) this.updateDense(p, this.lrFor(p.group));
    for (const t of this.tables) {
      if (t.frozen || !t.hasGrad) continue;
      const g = t.sparseGrad();
      if (g.rows.length > 0) this.updateSparse(t, g, this.lrFor(t.group));
    }
  }

  protected abstract updateDense(p: Parameter, lr: number): void;
  protected abstract updateSparse(t: EmbeddingTable, g: SparseGrad, lr: number): void;

  protected slot(name: string, param: { name: string }): Float32Array { return this.slots.get(`${name}/${param.name}`)!; }

  state(): OptimizerState {
    return { type: this.type, step: this.steps, lr: this.currentLr, arrays: Object.fromEntries(this.slots) };
  }

  load(state: OptimizerState): void {
    if (state.type !== this.type) throw new MtrankError(`optimizer state is for '${state.type}', not '${this.type}'`);
    for (const [key, arr] of this.slots) {
      const src = state.arrays[key];
      if (!src) throw new MtrankError(`optimizer state has no array '${key}'`);
      if (src.length !== arr.length) throw new MtrankError(`optimizer state '${key}' has ${src.length} values, expected ${arr.length}`);
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
