// What every multi-task model is to the trainer: a shared part that yields one representation H, and task
// heads that read H and give one logit per task. Splitting them lets the trainer detach H and run one
// backward per task through the heads (per-task dL/dH for gradient-based loss weighting) without a second
// forward pass.
import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import type { ParamStore } from '../engine/params.js';
import { Dense, MLP, type Activation, type FeatureBatch, type FeatureInputSpec } from './layers.js';
import type { ModelConfig } from '../config/schema.js';

export type ModelType = ModelConfig['type'];

export interface ModelOutput {
  /** The shared representation H (absent when nothing is shared, e.g. single-task, or when it is several blocks and nothing was detached). */
  shared?: Tensor;
  /** The leaf the heads read instead of H when `detachShared` was asked: its `.grad` collects dL/dH. */
  detached?: Tensor;
  /** One B×1 logit per task, in task order (conditional rates for ESMM; see `chains`). */
  logits: Tensor[];
}

export interface TaskSpec {
  name: string;
  dependsOn?: string;
}

export interface ModelContext {
  features: FeatureInputSpec;
  tasks: readonly TaskSpec[];
  config: ModelConfig;
  store: ParamStore;
}

export abstract class MultiTaskModel {
  abstract readonly type: ModelType;
  readonly tasks: string[];
  /**
   * Per task, the task indices whose sigmoids multiply into its predicted probability, itself last:
   * [[t]] for every model but ESMM, where order = click·cart|click·order|cart.
   */
  readonly chains: number[][];
  readonly store: ParamStore;

  constructor(ctx: ModelContext, chains?: number[][]) {
    this.tasks = ctx.tasks.map((t) => t.name);
    this.chains = chains ?? this.tasks.map((_, i) => [i]);
    this.store = ctx.store;
  }

  /**
   * The shared part, run once per step: the tensors every head reads (H, seen as its column blocks); empty
   * when the model shares nothing. Several blocks avoid a concat/slice copy when nothing is detached.
   */
  abstract shared(g: Graph, batch: FeatureBatch): Tensor[];
  /** The task-specific part on the shared blocks (possibly detached copies): one B×1 logit per task. */
  abstract heads(g: Graph, shared: readonly Tensor[], batch: FeatureBatch): Tensor[];

  /**
   * `shared` in the output is H (the blocks concatenated when there are several and `detachShared` asks for
   * it; the single block otherwise). With `detachShared`, the heads read `detached` (a leaf over H's values)
   * so one backward per task through the heads leaves dL_t/dH in `detached.grad`, and `g.backward(shared, dH)`
   * then runs the shared part once.
   */
  forward(g: Graph, batch: FeatureBatch, opts: { detachShared?: boolean } = {}): ModelOutput {
    const parts = this.shared(g, batch);
    if (parts.length === 0) return { logits: this.heads(g, [], batch) };
    if (!opts.detachShared)
      return { shared: parts.length === 1 ? parts[0] : undefined, logits: this.heads(g, parts, batch) };
    const H = parts.length === 1 ? parts[0]! : g.concat(parts);
    const detached = g.detach(H);
    const views =
      parts.length === 1
        ? [detached]
        : splitColumns(
            g,
            detached,
            parts.map((p) => p.cols),
          );
    return { shared: H, detached, logits: this.heads(g, views, batch) };
  }
}

/** Column blocks of the given widths of a tensor (a concatenation seen as its parts). */
export function splitColumns(g: Graph, H: Tensor, widths: readonly number[]): Tensor[] {
  let off = 0;
  return widths.map((w) => g.slice(H, off, (off += w)));
}

/** The hidden layers' activation (every name the config schema accepts is a graph op). */
export function activationOf(config: ModelConfig): Activation {
  return config.activation;
}

/** A tower: MLP of `config.tower` widths, then a 1-unit linear output (the logit). */
export class Tower {
  private readonly mlp: MLP;
  private readonly out: Dense;

  constructor(store: ParamStore, name: string, inDim: number, config: ModelConfig) {
    this.mlp = new MLP(store, name, inDim, config.tower, { activation: activationOf(config), dropout: config.dropout });
    this.out = new Dense(store, `${name}.logit`, this.mlp.outDim, 1);
  }

  forward(g: Graph, x: Tensor): Tensor {
    return this.out.forward(g, this.mlp.forward(g, x));
  }
}

/** An MLP with the model's activation and dropout. */
export function mlp(
  store: ParamStore,
  name: string,
  inDim: number,
  widths: readonly number[],
  config: ModelConfig,
): MLP {
  return new MLP(store, name, inDim, widths, { activation: activationOf(config), dropout: config.dropout });
}
