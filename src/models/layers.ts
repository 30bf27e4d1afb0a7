// Layer primitives models are built from: Dense, MLP, and FeatureInput (all embeddings + dense features
// in one B×D tensor). Each owns its Parameters in a ParamStore and has a `forward(graph, ...)`.
import { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import { ParamStore, type Parameter, type EmbeddingTable } from '../engine/params.js';
import { heUniform, xavierUniform, normal, zeros, type Init } from '../engine/init.js';
import type { ACTIVATIONS } from '../config/schema.js';
import { MtrankError } from '../util/errors.js';

/** Hidden-layer activations (the config's names); 'none' = linear. */
export type Activation = (typeof ACTIVATIONS)[number] | 'none';

/** The graph op of each activation after the linear part (ReLU is fused into the GEMM instead). */
const APPLY: Record<Exclude<Activation, 'relu' | 'none'>, (g: Graph, y: Tensor) => Tensor> = {
  'leaky-relu': (g, y) => g.leakyRelu(y),
  gelu: (g, y) => g.gelu(y),
  tanh: (g, y) => g.tanh(y),
  sigmoid: (g, y) => g.sigmoid(y),
};

export interface DenseOptions {
  activation?: Activation;
  init?: Init;
  bias?: boolean;
  group?: string;
}

/** y = act(x·W + b); ReLU is fused into the GEMM; He init for the ReLU family, Xavier for tanh, sigmoid, linear. */
export class Dense {
  readonly W: Parameter;
  readonly b: Parameter | null;
  readonly activation: Activation;

  constructor(
    store: ParamStore,
    readonly name: string,
    readonly inDim: number,
    readonly outDim: number,
    opts: DenseOptions = {},
  ) {
    this.activation = opts.activation ?? 'none';
    const reluLike = this.activation === 'relu' || this.activation === 'leaky-relu' || this.activation === 'gelu';
    const init = opts.init ?? (reluLike ? heUniform : xavierUniform);
    this.W = store.dense(`${name}.W`, inDim, outDim, init, opts.group);
    this.b = opts.bias === false ? null : store.dense(`${name}.b`, 1, outDim, zeros, opts.group);
  }

  forward(g: Graph, x: Tensor): Tensor {
    const a = this.activation;
    const y = g.linear(x, this.W, this.b, a === 'relu' ? 'relu' : null);
    return a === 'relu' || a === 'none' ? y : APPLY[a](g, y);
  }
}

export interface MlpOptions {
  activation?: Activation;
  dropout?: number;
  group?: string;
}

/** A stack of Dense layers of the given widths, each followed by the activation and dropout. */
export class MLP {
  readonly layers: Dense[];
  readonly outDim: number;
  private readonly dropout: number;

  constructor(store: ParamStore, name: string, inDim: number, hidden: readonly number[], opts: MlpOptions = {}) {
    this.dropout = opts.dropout ?? 0;
    let d = inDim;
    this.layers = hidden.map((h, i) => {
      const layer = new Dense(store, `${name}.${i}`, d, h, {
        activation: opts.activation ?? 'relu',
        group: opts.group,
      });
      d = h;
      return layer;
    });
    this.outDim = d;
  }

  forward(g: Graph, x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) h = g.dropout(layer.forward(g, h), this.dropout);
    return h;
  }
}

export interface CategoricalField {
  name: string;
  vocabSize: number;
  dim: number;
  /** Parameter group of this field's table (e.g. pretrainedGroup(name), so lrScale applies); default: the input's. */
  group?: string;
  /** Probability that a training row's id is looked up as the OOV id 0 in this field's table (Graph.dropIds). */
  idDropout?: number;
  /**
   * A second table of the same ids, `emb.<name>.pretrained` in this group, concatenated right after the field's
   * own table (pretrained `mode: concat`: learned and frozen pretrained vectors side by side; no ID dropout).
   */
  side?: { group: string };
}
export interface MultiField extends CategoricalField {
  pooling: 'mean' | 'sum';
}
export interface FeatureInputSpec {
  categorical: readonly CategoricalField[];
  multi?: readonly MultiField[];
  denseCount: number;
}

/** One batch of encoded features, columns in the order of the FeatureInputSpec. */
export interface FeatureBatch {
  rows: number;
  /** Per categorical field: one id per row. */
  categorical: readonly Int32Array[];
  /** Per multi-ID field: CSR bags (offsets has rows+1 entries). */
  multi?: readonly { offsets: Int32Array; ids: Int32Array }[];
  /** rows × denseCount, row-major. */
  dense: Float32Array | null;
}

export interface FeatureInputOptions {
  init?: Init;
  group?: string;
}

/** The bottom input: [embeddings of the ID fields | pooled multi-ID fields | dense features], B×outDim. */
export class FeatureInput {
  readonly tables: EmbeddingTable[];
  /** Per categorical field, its side table (CategoricalField.side) or null. */
  readonly sideTables: (EmbeddingTable | null)[];
  readonly bagTables: EmbeddingTable[];
  readonly outDim: number;

  constructor(
    store: ParamStore,
    readonly spec: FeatureInputSpec,
    opts: FeatureInputOptions = {},
  ) {
    const init = opts.init ?? normal(0.01);
    const table = (f: CategoricalField) =>
      store.embedding(`emb.${f.name}`, f.vocabSize, f.dim, init, f.group ?? opts.group);
    this.tables = spec.categorical.map(table);
    this.sideTables = spec.categorical.map((f) =>
      f.side ? store.embedding(`emb.${f.name}.pretrained`, f.vocabSize, f.dim, init, f.side.group) : null,
    );
    this.bagTables = (spec.multi ?? []).map(table);
    const sides = this.sideTables.filter((t) => t !== null);
    this.outDim = [...this.tables, ...sides, ...this.bagTables].reduce((s, t) => s + t.dim, spec.denseCount);
  }

  forward(g: Graph, batch: FeatureBatch): Tensor {
    const multi = this.spec.multi ?? [];
    if (batch.categorical.length !== this.tables.length || (batch.multi?.length ?? 0) !== multi.length) {
      throw new MtrankError(
        `feature batch has ${batch.categorical.length} categorical and ${batch.multi?.length ?? 0} multi-ID fields, the model expects ${this.tables.length} and ${multi.length}`,
      );
    }
    return g.features({
      rows: batch.rows,
      fields: this.tables.flatMap((table, i) => {
        const ids = batch.categorical[i]!,
          side = this.sideTables[i];
        const own = { table, ids: g.dropIds(ids, this.spec.categorical[i]!.idDropout ?? 0) };
        return side ? [own, { table: side, ids }] : [own];
      }),
      bags: this.bagTables.map((table, i) => ({
        table,
        offsets: batch.multi![i]!.offsets,
        ids: batch.multi![i]!.ids,
        pooling: multi[i]!.pooling,
      })),
      dense: batch.dense,
      denseCols: this.spec.denseCount,
    });
  }
}
