// A stand-in for the engine's Graph that, instead of computing, writes each op as ONNX nodes. Running a
// model's own `forward` over it yields the model's inference graph, so every model type, activation and table
// the engine can run exports without a per-model translation. Parameters become initializers (once each).
import type { BagLookup, FeatureSpec, Graph } from '../engine/graph.js';
import type { EmbeddingTable, Parameter } from '../engine/params.js';
import { Tensor } from '../engine/tensor.js';
import type { FeatureBatch } from '../models/layers.js';
import { MtrankError } from '../util/errors.js';
import type { OnnxBuilder } from './onnx-builder.js';

/** Every forward op of Graph must have a translation here (a new Graph op fails to compile until it has one). */
type ForwardOps = Omit<Graph, 'backward' | 'bceWithLogits' | 'tapeLength' | 'input'>;

const NO_DATA = new Float32Array(0);
/** Matches Graph.leakyRelu's default slope. */
const LEAKY_SLOPE = 0.01;
const GELU_C = Math.sqrt(2 / Math.PI),
  GELU_A = 0.044715;

/** The ONNX graph inputs a traced batch stands for. */
export interface TracedInputs {
  /** Per categorical field (FeatureInputSpec order): an int64 [batch] input. */
  categorical: readonly string[];
  /** Per multi-ID field: an int64 [batch, maxLength] input, negative = padding. */
  multi: readonly string[];
  /** The float32 [batch, D] input, or null when D = 0. */
  dense: string | null;
}

export class OnnxTrace implements ForwardOps {
  readonly training = false;
  readonly recording = false;
  private readonly values = new WeakMap<Tensor, string>();
  private readonly params = new Map<Parameter | EmbeddingTable, string>();
  private readonly idInputs = new Map<Int32Array, string>();
  private denseInput: { data: Float32Array; name: string } | null = null;

  constructor(private readonly b: OnnxBuilder) {}

  /** A FeatureBatch of placeholders standing for the given graph inputs (for `model.forward(trace, batch)`). */
  batch(inputs: TracedInputs): FeatureBatch {
    const placeholder = (name: string) => {
      const ids = new Int32Array(0);
      this.idInputs.set(ids, name);
      return ids;
    };
    const dense = inputs.dense === null ? null : new Float32Array(0);
    if (dense) this.denseInput = { data: dense, name: inputs.dense! };
    return {
      rows: 0,
      categorical: inputs.categorical.map(placeholder),
      multi: inputs.multi.map((name) => ({ offsets: placeholder(name), ids: new Int32Array(0) })),
      dense,
    };
  }

  /** The ONNX value a traced tensor stands for. */
  valueOf(t: Tensor): string {
    const v = this.values.get(t);
    if (v === undefined) throw new MtrankError('export: a tensor outside the traced graph reached an op');
    return v;
  }

  /** A traced tensor for an ONNX value of `cols` columns. */
  tensor(value: string, cols: number): Tensor {
    const t = new Tensor(0, cols, NO_DATA);
    this.values.set(t, value);
    return t;
  }

  detach(t: Tensor): Tensor {
    return t;
  }

  linear(x: Tensor, W: Parameter, b: Parameter | null, activation: 'relu' | null = null): Tensor {
    if (x.cols !== W.rows) throw new MtrankError(`export: '${W.name}' expects ${W.rows} columns, got ${x.cols}`);
    const w = this.param(W, [W.rows, W.cols]);
    let y = b
      ? this.b.op('Gemm', [this.valueOf(x), w, this.param(b, [b.size])])
      : this.b.op('MatMul', [this.valueOf(x), w]);
    if (activation === 'relu') y = this.b.op('Relu', [y]);
    return this.tensor(y, W.cols);
  }

  add(a: Tensor, c: Tensor): Tensor {
    return this.tensor(this.b.op('Add', [this.valueOf(a), this.valueOf(c)]), a.cols);
  }

  sum(parts: readonly Tensor[], weights?: readonly number[]): Tensor {
    const terms = parts.map((p, k) => (weights ? this.valueOf(this.scale(p, weights[k]!)) : this.valueOf(p)));
    return this.tensor(terms.length === 1 ? terms[0]! : this.b.op('Sum', terms), parts[0]!.cols);
  }

  mul(a: Tensor, c: Tensor): Tensor {
    return this.tensor(this.b.op('Mul', [this.valueOf(a), this.valueOf(c)]), a.cols);
  }

  scale(a: Tensor, c: number): Tensor {
    return this.tensor(this.b.op('Mul', [this.valueOf(a), this.b.floats('scale', [], [c])]), a.cols);
  }

  relu(a: Tensor): Tensor {
    return this.unary('Relu', a);
  }
  sigmoid(a: Tensor): Tensor {
    return this.unary('Sigmoid', a);
  }
  tanh(a: Tensor): Tensor {
    return this.unary('Tanh', a);
  }

  leakyRelu(a: Tensor, slope = LEAKY_SLOPE): Tensor {
    return this.tensor(this.b.op('LeakyRelu', [this.valueOf(a)], { alpha: slope }), a.cols);
  }

  /** The tanh approximation written out (ONNX's Gelu op needs opset 20): 0.5·x·(1 + tanh(c·(x + a·x³))). */
  gelu(a: Tensor): Tensor {
    const x = this.valueOf(a),
      k = (v: number) => this.b.floats('gelu_c', [], [v]);
    const cube = this.b.op('Mul', [this.b.op('Mul', [x, x]), x]);
    const inner = this.b.op('Mul', [this.b.op('Add', [x, this.b.op('Mul', [cube, k(GELU_A)])]), k(GELU_C)]);
    const half = this.b.op('Mul', [x, k(0.5)]);
    return this.tensor(this.b.op('Mul', [half, this.b.op('Add', [this.b.op('Tanh', [inner]), k(1)])]), a.cols);
  }

  softmax(a: Tensor): Tensor {
    return this.tensor(this.b.op('Softmax', [this.valueOf(a)], { axis: 1 }), a.cols);
  }

  /** Inference: dropout is the identity. */
  dropout(a: Tensor): Tensor {
    return a;
  }

  concat(parts: readonly Tensor[]): Tensor {
    if (parts.length === 1) return parts[0]!;
    const cols = parts.reduce((s, p) => s + p.cols, 0);
    return this.tensor(
      this.b.op(
        'Concat',
        parts.map((p) => this.valueOf(p)),
        { axis: 1 },
      ),
      cols,
    );
  }

  reshape(a: Tensor, rows: number, cols: number): Tensor {
    // Only a reshape that keeps the row layout has a batch-independent form (and it is then the identity).
    if (cols !== a.cols) throw new MtrankError(`export: a reshape to ${rows}×${cols} has no batch-independent form`);
    return a;
  }

  slice(a: Tensor, colStart: number, colEnd: number): Tensor {
    const v = this.b.op('Slice', [
      this.valueOf(a),
      this.b.int64s('start', [colStart]),
      this.b.int64s('end', [colEnd]),
      this.b.int64s('axis', [1]),
    ]);
    return this.tensor(v, colEnd - colStart);
  }

  /** ½((Σ_f e_f)² − Σ_f e_f²) over the field blocks, as Graph.fm computes it. */
  fm(x: Tensor, offsets: readonly number[], dim: number): Tensor {
    const b = this.b,
      blocks = offsets.map((o) => this.valueOf(this.slice(x, o, o + dim)));
    const sum = (vs: string[]) => (vs.length === 1 ? vs[0]! : b.op('Sum', vs));
    const s = sum(blocks),
      sq = sum(blocks.map((v) => b.op('Mul', [v, v])));
    return this.tensor(b.op('Mul', [b.op('Sub', [b.op('Mul', [s, s]), sq]), b.floats('half', [], [0.5])]), dim);
  }

  /** Per pair of field blocks, the row-wise dot product (one column each). */
  fieldDots(x: Tensor, pairs: readonly (readonly [number, number])[], dim: number): Tensor {
    const cols = pairs.map(([a, c]) => {
      const prod = this.b.op('Mul', [this.valueOf(this.slice(x, a, a + dim)), this.valueOf(this.slice(x, c, c + dim))]);
      return this.tensor(this.b.op('ReduceSum', [prod, this.b.int64s('axis', [1])], { keepdims: 1 }), 1);
    });
    return this.concat(cols);
  }

  /** Σ_e gate[:, e]·expert_e: the gate split into its columns, each scaling one expert. */
  weightedSum(gate: Tensor, experts: readonly Tensor[]): Tensor {
    const E = experts.length;
    if (gate.cols !== E) throw new MtrankError(`export: gate has ${gate.cols} columns but ${E} experts`);
    const cols = E === 1 ? [this.valueOf(gate)] : this.b.node('Split', [this.valueOf(gate)], { axis: 1 }, E);
    const terms = experts.map((x, e) => this.b.op('Mul', [cols[e]!, this.valueOf(x)]));
    return this.tensor(E === 1 ? terms[0]! : this.b.op('Sum', terms), experts[0]!.cols);
  }

  /** Inference: ID dropout is the identity. */
  dropIds(ids: Int32Array): Int32Array {
    return ids;
  }

  embedding(table: EmbeddingTable, ids: Int32Array): Tensor {
    return this.features({ rows: 0, fields: [{ table, ids }] });
  }

  embeddingBag(table: EmbeddingTable, offsets: Int32Array, ids: Int32Array, pooling: 'mean' | 'sum'): Tensor {
    return this.features({ rows: 0, bags: [{ table, offsets, ids, pooling }] });
  }

  /** [field lookups | pooled bags | dense columns], as Graph.features lays them out. */
  features(spec: FeatureSpec): Tensor {
    const parts: Tensor[] = [];
    for (const f of spec.fields ?? []) {
      const v = this.b.op('Gather', [this.table(f.table), this.idInput(f.ids)], { axis: 0 });
      parts.push(this.tensor(v, f.table.dim));
    }
    for (const bag of spec.bags ?? []) parts.push(this.pool(bag));
    if (spec.dense && (spec.denseCols ?? 0) > 0) {
      if (this.denseInput?.data !== spec.dense) throw new MtrankError('export: dense block is not the traced input');
      parts.push(this.tensor(this.denseInput.name, spec.denseCols!));
    }
    if (parts.length === 0) throw new MtrankError('export: the model reads no features');
    return this.concat(parts);
  }

  /**
   * A padded [batch, L] bag: negative ids are padding. Rows of real ids are summed (mean: divided by their
   * count; an all-padding row gives zeros, as an empty bag does in training).
   */
  private pool(bag: BagLookup): Tensor {
    const b = this.b,
      ids = this.idInput(bag.offsets);
    const zero = b.int64s('zero', [0]);
    const rows = b.op('Gather', [this.table(bag.table), b.op('Max', [ids, zero])], { axis: 0 }); // [B, L, dim]
    const mask = b.op('Cast', [b.op('GreaterOrEqual', [ids, zero])], { to: 1 }); // [B, L] float
    const masked = b.op('Mul', [rows, b.op('Unsqueeze', [mask, b.int64s('axis', [2])])]);
    let pooled = b.op('ReduceSum', [masked, b.int64s('axis', [1])], { keepdims: 0 });
    if (bag.pooling === 'mean') {
      const count = b.op('ReduceSum', [mask, b.int64s('axis', [1])], { keepdims: 1 });
      pooled = b.op('Div', [pooled, b.op('Max', [count, b.floats('one', [], [1])])]);
    }
    return this.tensor(pooled, bag.table.dim);
  }

  private unary(op: string, a: Tensor): Tensor {
    return this.tensor(this.b.op(op, [this.valueOf(a)]), a.cols);
  }

  private idInput(ids: Int32Array): string {
    const name = this.idInputs.get(ids);
    if (name === undefined) throw new MtrankError('export: an id column that is not a traced input reached a lookup');
    return name;
  }

  private param(p: Parameter, shape: number[]): string {
    let v = this.params.get(p);
    if (v === undefined) this.params.set(p, (v = this.b.floats(p.name, shape, p.data.subarray(0, p.size))));
    return v;
  }

  private table(t: EmbeddingTable): string {
    let v = this.params.get(t);
    if (v === undefined)
      this.params.set(t, (v = this.b.floats(t.name, [t.vocab, t.dim], t.data.subarray(0, t.vocab * t.dim))));
    return v;
  }
}
