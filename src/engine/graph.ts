// A reverse-mode tape: every op computes its output now and, when gradients are wanted, records a closure
// that later pushes the output's gradient into its inputs. Models are plain forward code over a Graph.
import * as K from './kernels.js';
import { scratch } from './kernels.js';
import { Tensor, ensureGrad } from './tensor.js';
import { fmForward, fmBackward, fieldDotsForward, fieldDotsBackward } from './interaction-kernels.js';
import type { Parameter, EmbeddingTable } from './params.js';
import type { Rng } from '../util/rng.js';
import { MtrankError } from '../util/errors.js';

export interface GraphOptions {
  /** Training mode: dropout is active. */
  training: boolean;
  /** Source of dropout masks (required for dropout in training mode). */
  rng?: Rng;
  /** Record the tape for backward (default: `training`). Inference graphs record nothing. */
  record?: boolean;
  /** Recycle the per-step scratch memory when the graph is created (default true: one graph per step). */
  resetScratch?: boolean;
}

export interface FieldLookup {
  table: EmbeddingTable;
  ids: Int32Array;
}
export interface BagLookup {
  table: EmbeddingTable;
  offsets: Int32Array;
  ids: Int32Array;
  pooling: 'mean' | 'sum';
}
/** Everything that goes into the first layer: one lookup per ID field, pooled multi-ID fields, dense columns. */
export interface FeatureSpec {
  rows: number;
  fields?: readonly FieldLookup[];
  bags?: readonly BagLookup[];
  /** rows × denseCols, row-major. */
  dense?: Float32Array | null;
  denseCols?: number;
}

/** Pass counter shared by all graphs, so a mark from an old pass never looks current. */
let passCounter = 0;

/** A per-step array the op overwrites entirely (not zero-filled). */
const f32 = (n: number): Float32Array => scratch.f32Raw(n);
/** A zero-filled per-step array. */
const zeros32 = (n: number): Float32Array => scratch.f32(n);

export class Graph {
  readonly training: boolean;
  readonly recording: boolean;
  private readonly rng: Rng | null;
  private readonly tape: Tensor[] = [];
  /** False during a backward that only wants gradients at tensors (no parameter gradients). */
  private paramGrads = true;

  constructor(opts: GraphOptions) {
    this.training = opts.training;
    this.recording = opts.record ?? opts.training;
    this.rng = opts.rng ?? null;
    if (opts.resetScratch ?? true) scratch.reset();
  }

  /** A leaf over existing data (not copied). For speed, data should come from `scratch`/`heap`. */
  input(data: Float32Array, rows: number, cols: number, requiresGrad = false): Tensor {
    if (data.length < rows * cols) throw new MtrankError(`input: ${data.length} values cannot fill ${rows}×${cols}`);
    return new Tensor(rows, cols, data, requiresGrad && this.recording);
  }

  /**
   * A new leaf sharing t's data whose gradient is collected instead of flowing on: backward passes stop
   * there and its `.grad` can be read (and zeroed) between them; then call `backward(t, grad)`.
   */
  detach(t: Tensor): Tensor {
    return new Tensor(t.rows, t.cols, t.data, this.recording);
  }

  /** y = x·W (+ b) (ReLU), W stored in×out; bias and ReLU fused into the GEMM. */
  linear(x: Tensor, W: Parameter, b: Parameter | null, activation: 'relu' | null = null): Tensor {
    const B = x.rows,
      inDim = W.rows,
      outDim = W.cols;
    if (x.cols !== inDim)
      throw new MtrankError(`linear '${W.name}': input has ${x.cols} columns, weight expects ${inDim}`);
    if (b && b.size !== outDim)
      throw new MtrankError(`linear '${W.name}': bias '${b.name}' has ${b.size} values, expected ${outDim}`);
    const relu = activation === 'relu';
    const y = f32(B * outDim);
    K.gemm(B, outDim, inDim, x.data, W.data, y, { bias: b?.data, relu });
    const trainable = !W.frozen || (b !== null && !b.frozen);
    return this.node(B, outDim, y, [x], trainable, (out) => {
      let dz = out.grad!;
      if (relu) {
        dz = f32(dz.length);
        K.reluBackward(y, out.grad!, dz);
      }
      if (!W.frozen && this.paramGrads)
        K.gemm(inDim, outDim, B, x.data, dz, W.grad, { transA: true, accumulate: true });
      if (b && !b.frozen && this.paramGrads) K.columnSums(B, outDim, dz, b.grad, true);
      if (x.requiresGrad) {
        const acc = ensureGrad(x, f32);
        K.gemm(B, inDim, outDim, dz, W.data, x.grad!, { transB: true, accumulate: acc });
      }
    });
  }

  add(a: Tensor, b: Tensor): Tensor {
    sameShape('add', a, b);
    const y = f32(a.size);
    K.add(a.data, b.data, y);
    return this.node(a.rows, a.cols, y, [a, b], false, (out) => {
      const g = out.grad!;
      if (a.requiresGrad) passGrad(a, g, 1);
      if (b.requiresGrad) passGrad(b, g, 1);
    });
  }

  /** Σ_k w_k·parts[k] over same-shaped tensors (e.g. the weighted sum of task losses). */
  sum(parts: readonly Tensor[], weights?: readonly number[]): Tensor {
    if (parts.length === 0) throw new MtrankError('sum: no tensors');
    if (weights && weights.length !== parts.length)
      throw new MtrankError(`sum: ${parts.length} tensors but ${weights.length} weights`);
    const first = parts[0]!,
      n = first.size,
      y = zeros32(n);
    parts.forEach((p, k) => {
      sameShape('sum', first, p);
      K.axpy(n, weights ? weights[k]! : 1, p.data, y);
    });
    return this.node(first.rows, first.cols, y, parts, false, (out) => {
      parts.forEach((p, k) => {
        if (p.requiresGrad) passGrad(p, out.grad!, weights ? weights[k]! : 1);
      });
    });
  }

  /** Elementwise product. */
  mul(a: Tensor, b: Tensor): Tensor {
    sameShape('mul', a, b);
    const ad = a.data,
      bd = b.data,
      y = f32(a.size);
    K.mulElementwise(ad, bd, y);
    return this.node(a.rows, a.cols, y, [a, b], false, (out) => {
      const g = out.grad!;
      if (a.requiresGrad) passProduct(a, g, bd);
      if (b.requiresGrad) passProduct(b, g, ad);
    });
  }

  scale(a: Tensor, c: number): Tensor {
    const y = f32(a.size);
    y.set(a.data.subarray(0, a.size));
    K.scale(a.size, c, y);
    return this.node(a.rows, a.cols, y, [a], false, (out) => passGrad(a, out.grad!, c));
  }

  relu(a: Tensor): Tensor {
    return this.pointwise(a, K.relu, (_x, y, dy, dx) => K.reluBackward(y, dy, dx));
  }

  sigmoid(a: Tensor): Tensor {
    return this.pointwise(a, K.sigmoid, (_x, y, dy, dx) => K.sigmoidBackward(y, dy, dx));
  }

  tanh(a: Tensor): Tensor {
    return this.pointwise(a, K.tanh, (_x, y, dy, dx) => K.tanhBackward(y, dy, dx));
  }

  /** max(x, slope·x): the slope (default 0.01, PyTorch's) keeps a gradient for negative inputs. */
  leakyRelu(a: Tensor, slope = 0.01): Tensor {
    if (!(slope > 0 && slope < 1)) throw new MtrankError(`leakyRelu: slope ${slope} must be in (0, 1)`);
    return this.pointwise(
      a,
      (x, y) => K.leakyRelu(x, y, slope),
      (_x, y, dy, dx) => K.leakyReluBackward(y, dy, dx, slope),
    );
  }

  /** GELU, tanh approximation (PyTorch `gelu(approximate='tanh')`). */
  gelu(a: Tensor): Tensor {
    return this.pointwise(a, K.gelu, (x, _y, dy, dx) => K.geluBackward(x, dy, dx));
  }

  /** Row-wise softmax (gates of a mixture of experts). */
  softmax(a: Tensor): Tensor {
    const R = a.rows,
      C = a.cols,
      y = f32(R * C);
    K.softmaxRows(a.data, y, R, C);
    return this.node(R, C, y, [a], false, (out) => {
      const acc = ensureGrad(a, f32);
      K.softmaxBackward(y, out.grad!, a.grad!, R, C, acc);
    });
  }

  /** Inverted dropout: zero with probability p, scale the rest by 1/(1-p); identity outside training. */
  dropout(a: Tensor, p: number): Tensor {
    if (!(p >= 0 && p < 1)) throw new MtrankError(`dropout: probability ${p} must be in [0, 1)`);
    if (!this.training || p === 0) return a;
    if (!this.rng) throw new MtrankError('dropout in training mode needs a Graph created with an rng');
    const n = a.size,
      y = f32(n),
      mask = f32(n),
      keep = 1 / (1 - p),
      rng = this.rng;
    for (let i = 0; i < n; i++) mask[i] = rng.float() < p ? 0 : keep;
    K.mulElementwise(a.data, mask, y);
    return this.node(a.rows, a.cols, y, [a], false, (out) => passProduct(a, out.grad!, mask));
  }

  /**
   * Factorization-machine pairwise term over `dim`-wide column blocks of x starting at `offsets` (the field
   * embeddings): y = ½((Σ_f e_f)² − Σ_f e_f²) = Σ_{f<g} e_f⊙e_g, B×dim (its row sum is FM's second-order term).
   */
  fm(x: Tensor, offsets: readonly number[], dim: number): Tensor {
    checkBlocks('fm', x, offsets, dim);
    const B = x.rows,
      D = x.cols;
    return this.rowsOf(
      x,
      dim,
      (y) => fmForward(x.data, B, D, offsets, dim, y),
      (dy, dx) => fmBackward(x.data, B, D, offsets, dim, dy, dx),
    );
  }

  /** Dot products of pairs of `dim`-wide column blocks of x (e.g. user·item embeddings), B×pairs. */
  fieldDots(x: Tensor, pairs: readonly (readonly [number, number])[], dim: number): Tensor {
    checkBlocks('fieldDots', x, pairs.flat(), dim);
    if (pairs.length === 0) throw new MtrankError('fieldDots: no pairs');
    const B = x.rows,
      D = x.cols;
    return this.rowsOf(
      x,
      pairs.length,
      (y) => fieldDotsForward(x.data, B, D, pairs, dim, y),
      (dy, dx) => fieldDotsBackward(x.data, B, D, pairs, dim, dy, dx),
    );
  }

  /** A per-row op of x into `cols` columns: forward fills y; backward adds into dx (zeroed when fresh). */
  private rowsOf(
    x: Tensor,
    cols: number,
    forward: (y: Float32Array) => void,
    backward: (dy: Float32Array, dx: Float32Array) => void,
  ): Tensor {
    const y = f32(x.rows * cols);
    forward(y);
    return this.node(x.rows, cols, y, [x], false, (out) => {
      ensureGrad(x, zeros32);
      backward(out.grad!, x.grad!);
    });
  }

  /**
   * ID dropout: each id replaced by the out-of-vocabulary id 0 with probability p; the same array outside
   * training. Trains the OOV row on rows that stand for unseen IDs.
   */
  dropIds(ids: Int32Array, p: number): Int32Array {
    if (!(p >= 0 && p < 1)) throw new MtrankError(`dropIds: probability ${p} must be in [0, 1)`);
    if (!this.training || p === 0) return ids;
    if (!this.rng) throw new MtrankError('dropIds in training mode needs a Graph created with an rng');
    const out = new Int32Array(ids.length),
      rng = this.rng;
    for (let i = 0; i < ids.length; i++) out[i] = rng.float() < p ? 0 : ids[i]!;
    return out;
  }

  /** Column concatenation of tensors with equal row counts. */
  concat(parts: readonly Tensor[]): Tensor {
    if (parts.length === 0) throw new MtrankError('concat: no tensors');
    const R = parts[0]!.rows;
    let C = 0;
    for (const p of parts) {
      if (p.rows !== R) throw new MtrankError(`concat: row counts differ (${R} vs ${p.rows})`);
      C += p.cols;
    }
    const y = f32(R * C);
    let off = 0;
    for (const p of parts) {
      K.copyColumns(p.data, p.cols, 0, y, C, off, p.cols, R);
      off += p.cols;
    }
    return this.node(R, C, y, parts, false, (out) => {
      let o = 0;
      for (const p of parts) {
        if (p.requiresGrad) {
          const acc = ensureGrad(p, f32);
          if (acc) K.addColumns(out.grad!, C, o, p.grad!, p.cols, 0, p.cols, R);
          else K.copyColumns(out.grad!, C, o, p.grad!, p.cols, 0, p.cols, R);
        }
        o += p.cols;
      }
    });
  }

  /** The same values seen as rows×cols (row-major order kept; data shared, not copied). */
  reshape(a: Tensor, rows: number, cols: number): Tensor {
    if (rows * cols !== a.size) throw new MtrankError(`reshape: ${a.rows}×${a.cols} cannot become ${rows}×${cols}`);
    return this.node(rows, cols, a.data, [a], false, (out) => passGrad(a, out.grad!, 1));
  }

  /** Columns [colStart, colEnd) of a. */
  slice(a: Tensor, colStart: number, colEnd: number): Tensor {
    if (!(0 <= colStart && colStart < colEnd && colEnd <= a.cols)) {
      throw new MtrankError(`slice: columns [${colStart}, ${colEnd}) out of range for ${a.cols} columns`);
    }
    const R = a.rows,
      C = colEnd - colStart,
      y = f32(R * C);
    K.copyColumns(a.data, a.cols, colStart, y, C, 0, C, R);
    return this.node(R, C, y, [a], false, (out) => {
      ensureGrad(a, zeros32);
      K.addColumns(out.grad!, C, 0, a.grad!, a.cols, colStart, C, R);
    });
  }

  /** Mixture of experts: out[i] = Σ_e gate[i, e]·experts[e][i], gate B×E, each expert B×D. */
  weightedSum(gate: Tensor, experts: readonly Tensor[]): Tensor {
    const B = gate.rows,
      E = gate.cols;
    if (experts.length !== E) throw new MtrankError(`weightedSum: gate has ${E} columns but ${experts.length} experts`);
    const D = experts[0]!.cols;
    for (const x of experts) {
      if (x.rows !== B || x.cols !== D)
        throw new MtrankError(`weightedSum: expert is ${x.rows}×${x.cols}, expected ${B}×${D}`);
    }
    const xs = experts.map((x) => x.data),
      y = f32(B * D);
    K.mixExperts(gate.data, xs, y, B, D);
    return this.node(B, D, y, [gate, ...experts], false, (out) => {
      // Fresh gradients start at zero: the kernel accumulates.
      const gateGrad = gate.requiresGrad ? (ensureGrad(gate, zeros32), gate.grad) : null;
      const expertGrads = experts.map((x) => (x.requiresGrad ? (ensureGrad(x, zeros32), x.grad) : null));
      K.mixExpertsBackward(gate.data, xs, out.grad!, B, D, gateGrad, expertGrads);
    });
  }

  /** One row of the table per id: B×dim. The table's gradient is sparse (only these rows). */
  embedding(table: EmbeddingTable, ids: Int32Array): Tensor {
    return this.features({ rows: ids.length, fields: [{ table, ids }] });
  }

  /** Pooled lookup of multi-ID fields: bag b holds ids[offsets[b] .. offsets[b+1]) (offsets has B+1 entries). */
  embeddingBag(table: EmbeddingTable, offsets: Int32Array, ids: Int32Array, pooling: 'mean' | 'sum'): Tensor {
    return this.features({ rows: offsets.length - 1, bags: [{ table, offsets, ids, pooling }] });
  }

  /**
   * The first layer's input in one buffer: [field lookups | pooled bags | dense columns], B×D.
   * Lookups are written straight into their column slice (no concat copy), and their gradients are read
   * straight from the slices of this tensor's gradient.
   */
  features(spec: FeatureSpec): Tensor {
    const B = spec.rows,
      fields = spec.fields ?? [],
      bags = spec.bags ?? [];
    if (spec.dense && spec.denseCols === undefined)
      throw new MtrankError('features: dense block given without denseCols');
    const denseCols = spec.dense ? spec.denseCols! : 0;
    let D = denseCols;
    for (const f of fields) {
      checkIds(f.table, f.ids, B, 'field');
      D += f.table.dim;
    }
    for (const b of bags) {
      checkBag(b, B);
      D += b.table.dim;
    }
    if (spec.dense && spec.dense.length < B * denseCols) {
      throw new MtrankError(`features: dense block has ${spec.dense.length} values, expected ${B}×${denseCols}`);
    }
    const y = f32(B * D);
    let off = 0;
    const slots: number[] = [];
    const lookups = fields.map((f) => {
      const offset = off;
      slots.push(offset);
      off += f.table.dim;
      return { table: f.table.data, dim: f.table.dim, ids: f.ids, offset };
    });
    K.gatherFields(lookups, B, y, D);
    for (const b of bags) {
      poolBag(b, y, D, off);
      slots.push(off);
      off += b.table.dim;
    }
    if (spec.dense && denseCols > 0) K.copyColumns(spec.dense, denseCols, 0, y, D, off, denseCols, B);
    const trainable = fields.some((f) => !f.table.frozen) || bags.some((b) => !b.table.frozen);
    return this.node(B, D, y, [], trainable, (out) => {
      const g = out.grad!;
      let k = 0;
      for (const f of fields) {
        const offset = slots[k++]!;
        if (!f.table.frozen && this.paramGrads)
          f.table.addContribution({ ids: f.ids, grad: g, stride: D, offset, bagOffsets: null, mean: false });
      }
      for (const b of bags) {
        const offset = slots[k++]!;
        if (!b.table.frozen && this.paramGrads) {
          b.table.addContribution({
            ids: b.ids,
            grad: g,
            stride: D,
            offset,
            bagOffsets: b.offsets,
            mean: b.pooling === 'mean',
          });
        }
      }
    });
  }

  /**
   * Binary cross-entropy on logits, 1×1: Σᵢ wᵢ·lossᵢ / B, where B is the batch size (not Σ wᵢ), so a
   * label weight scales that example's pull on the gradient. lossᵢ = max(x,0) − x·y + log(1 + e^−|x|).
   */
  bceWithLogits(logits: Tensor, labels: Uint8Array | Float32Array, weights?: Float32Array): Tensor {
    const B = logits.rows;
    if (logits.cols !== 1) throw new MtrankError(`bceWithLogits: logits must be B×1, got ${B}×${logits.cols}`);
    if (labels.length < B) throw new MtrankError(`bceWithLogits: ${labels.length} labels for ${B} rows`);
    if (weights && weights.length < B) throw new MtrankError(`bceWithLogits: ${weights.length} weights for ${B} rows`);
    let y32: Float32Array;
    if (labels instanceof Float32Array) y32 = labels;
    else {
      y32 = f32(B);
      for (let i = 0; i < B; i++) y32[i] = labels[i]!;
    }
    const y = f32(1);
    y[0] = K.bceWithLogits(logits.data, y32, weights ?? null, null, B) / B;
    return this.node(1, 1, y, [logits], false, (out) => {
      const up = out.grad![0]! / B;
      if (!ensureGrad(logits, f32)) return void K.bceWithLogits(logits.data, y32, weights ?? null, logits.grad!, B, up);
      const d = f32(B);
      K.bceWithLogits(logits.data, y32, weights ?? null, d, B, up);
      K.axpy(B, 1, d, logits.grad!);
    });
  }

  /**
   * Reverse pass over the nodes reached from root. Gradients accumulate into leaf tensors, Parameter.grad
   * and the tables' sparse row gradients; inner nodes start from fresh buffers in every pass, so several
   * passes over shared nodes never count a gradient twice. `seed` = dLoss/dRoot (default 1 for a 1×1 root).
   * With `{ paramGrads: false }` parameters and tables receive nothing: only tensors' .grad are computed (e.g.
   * per-task dL_t/dH through the heads at the cost of the input gradients alone).
   */
  backward(root: Tensor, seed?: Float32Array, opts: { paramGrads?: boolean } = {}): void {
    this.paramGrads = opts.paramGrads ?? true;
    try {
      this.reverse(root, seed);
    } finally {
      this.paramGrads = true;
    }
  }

  private reverse(root: Tensor, seed?: Float32Array): void {
    if (!this.recording) throw new MtrankError('backward: this graph records no tape (created with training: false)');
    if (!root.requiresGrad) throw new MtrankError('backward: the root does not depend on anything trainable');
    if (seed ? seed.length !== root.size : root.size !== 1) {
      throw new MtrankError(`backward: root is ${root.rows}×${root.cols}; pass a seed of ${root.size} values`);
    }
    const pass = ++passCounter;
    const stack: Tensor[] = [root];
    root.mark = pass;
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (t.backwardFn) t.grad = null;
      for (const p of t.parents)
        if (p.requiresGrad && p.mark !== pass) {
          p.mark = pass;
          stack.push(p);
        }
    }
    const acc = ensureGrad(root, f32),
      g = root.grad!;
    for (let i = 0; i < g.length; i++) {
      const s = seed ? seed[i]! : 1;
      g[i] = acc ? g[i]! + s : s;
    }
    for (let i = root.tapeIndex; i >= 0; i--) {
      const t = this.tape[i]!;
      if (t.mark === pass && t.grad !== null) t.backwardFn!();
    }
  }

  /** Nodes recorded so far (for tests and profiling). */
  get tapeLength(): number {
    return this.tape.length;
  }

  /** An elementwise op: forward(x, y) fills y; backward(x, y, dy, dx) writes dx (added to an existing gradient). */
  private pointwise(
    a: Tensor,
    forward: (x: Float32Array, y: Float32Array) => void,
    backward: (x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array) => void,
  ): Tensor {
    const n = a.size,
      y = f32(n);
    forward(a.data, y);
    return this.node(a.rows, a.cols, y, [a], false, (out) => {
      if (!ensureGrad(a, f32)) return backward(a.data, y, out.grad!, a.grad!);
      const d = f32(n);
      backward(a.data, y, out.grad!, d);
      K.axpy(n, 1, d, a.grad!);
    });
  }

  private node(
    rows: number,
    cols: number,
    data: Float32Array,
    parents: readonly Tensor[],
    trainable: boolean,
    backward: (out: Tensor) => void,
  ): Tensor {
    const t = new Tensor(rows, cols, data);
    if (this.recording && (trainable || parents.some((p) => p.requiresGrad))) {
      t.requiresGrad = true;
      t.parents = parents;
      t.backwardFn = () => backward(t);
      t.tapeIndex = this.tape.push(t) - 1;
    }
    return t;
  }
}

export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** t.grad (+)= c·g */
function passGrad(t: Tensor, g: Float32Array, c: number): void {
  const n = t.size;
  if (ensureGrad(t, f32)) return K.axpy(n, c, g, t.grad!);
  t.grad!.set(g.subarray(0, n));
  if (c !== 1) K.scale(n, c, t.grad!);
}

/** t.grad (+)= g ⊙ other */
function passProduct(t: Tensor, g: Float32Array, other: Float32Array): void {
  const n = t.size;
  if (!ensureGrad(t, f32)) return K.mulElementwise(g, other, t.grad!, n);
  const d = f32(n);
  K.mulElementwise(g, other, d, n);
  K.axpy(n, 1, d, t.grad!);
}

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.rows !== b.rows || a.cols !== b.cols)
    throw new MtrankError(`${op}: shapes differ (${a.rows}×${a.cols} vs ${b.rows}×${b.cols})`);
}

function checkBlocks(op: string, x: Tensor, offsets: readonly number[], dim: number): void {
  if (offsets.length === 0) throw new MtrankError(`${op}: no fields`);
  for (const o of offsets)
    if (!(Number.isInteger(o) && o >= 0 && o + dim <= x.cols))
      throw new MtrankError(`${op}: block [${o}, ${o + dim}) is outside the input's ${x.cols} columns`);
}

function checkIds(table: EmbeddingTable, ids: Int32Array, rows: number, what: string): void {
  if (ids.length < rows) throw new MtrankError(`embedding '${table.name}': ${ids.length} ids for ${rows} rows`);
  const V = table.vocab;
  for (let i = 0; i < rows; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= V)
      throw new MtrankError(`embedding '${table.name}': ${what} id ${id} at row ${i} is outside [0, ${V})`);
  }
}

function checkBag(b: BagLookup, rows: number): void {
  const { offsets, ids, table } = b;
  if (offsets.length !== rows + 1)
    throw new MtrankError(`embedding bag '${table.name}': offsets has ${offsets.length} entries, expected ${rows + 1}`);
  for (let r = 0; r < rows; r++) {
    if (offsets[r]! > offsets[r + 1]! || offsets[r]! < 0 || offsets[r + 1]! > ids.length) {
      throw new MtrankError(
        `embedding bag '${table.name}': offsets of row ${r} (${offsets[r]}..${offsets[r + 1]}) are not within the ${ids.length} ids`,
      );
    }
  }
  checkIds(table, ids.subarray(offsets[0]!, offsets[rows]!), offsets[rows]! - offsets[0]!, 'bag');
}

/** Mean or sum of each bag's rows into columns [off, off+dim) of a B×stride buffer; an empty bag gives zeros. */
function poolBag(b: BagLookup, out: Float32Array, stride: number, off: number): void {
  const { table, offsets, ids } = b,
    dim = table.dim,
    data = table.data,
    rows = offsets.length - 1;
  for (let r = 0; r < rows; r++) {
    const start = offsets[r]!,
      end = offsets[r + 1]!,
      o = r * stride + off;
    out.fill(0, o, o + dim);
    for (let k = start; k < end; k++) {
      const src = ids[k]! * dim;
      for (let d = 0; d < dim; d++) out[o + d] = out[o + d]! + data[src + d]!;
    }
    if (b.pooling === 'mean' && end > start) {
      const inv = 1 / (end - start);
      for (let d = 0; d < dim; d++) out[o + d] = out[o + d]! * inv;
    }
  }
}
