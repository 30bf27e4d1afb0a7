// What every multi-task model is to the trainer: a shared part that yields one representation H, and task
// heads that read H and give one logit per task. Splitting them lets the trainer detach H and run one
// backward per task through the heads (per-task dL/dH for gradient-based loss weighting) without a second
// forward pass.
import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import type { ParamStore } from '../engine/params.js';
import { Dense, FeatureInput, MLP, type Activation, type FeatureBatch, type FeatureInputSpec } from './layers.js';
import { ModelInput, embeddingInit, prefixed, type FieldRoles } from './model-input.js';
import type { ModelConfig } from '../config/schema.js';
import { MtrankError } from '../util/errors.js';

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
  /** The user (group) and item features, for the dot interaction's default fields. */
  roles?: FieldRoles;
}

export interface ModelOptions {
  chains?: number[][];
  /** The model builds its inputs itself (single-task: one per task); the base builds none. */
  ownInputs?: boolean;
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

  /** The shared path's input (features, then the interaction layer); null when the model builds its own. */
  protected readonly input: ModelInput | null;
  /** taskEmbeddings 'per-task': per task, its own copy of the input that runs through the shared nets. */
  private readonly taskInputs: ModelInput[] | null;
  /** taskEmbeddings 'shared+per-task': per task, its own ID tables that its tower reads beside H. */
  private readonly towerTables: FeatureInput[] | null;

  constructor(ctx: ModelContext, opts: ModelOptions = {}) {
    this.tasks = ctx.tasks.map((t) => t.name);
    this.chains = opts.chains ?? this.tasks.map((_, i) => [i]);
    this.store = ctx.store;
    const mode = ctx.config.taskEmbeddings,
      roles = ctx.roles ?? {};
    if (opts.ownInputs && mode !== 'shared')
      throw new MtrankError(
        `model.taskEmbeddings '${mode}': model type '${ctx.config.type}' already gives every task its own tables (use 'shared')`,
      );
    const idOnly: FeatureInputSpec = {
      categorical: ctx.features.categorical,
      multi: ctx.features.multi,
      denseCount: 0,
    };
    this.input =
      opts.ownInputs || mode === 'per-task' ? null : new ModelInput(ctx.store, ctx.features, ctx.config, roles);
    this.taskInputs =
      mode === 'per-task'
        ? this.tasks.map((t) => new ModelInput(ctx.store, ctx.features, ctx.config, roles, `${t}/`))
        : null;
    this.towerTables =
      mode === 'shared+per-task' && !opts.ownInputs && idOnly.categorical.length + (idOnly.multi?.length ?? 0) > 0
        ? this.tasks.map(
            (t) =>
              new FeatureInput(ctx.store, prefixed(idOnly, `${t}/`), { init: embeddingInit(ctx.config.embeddingInit) }),
          )
        : null;
  }

  /** Whether the tasks share a representation H (gradient-level loss weighting needs one). */
  get sharesRepresentation(): boolean {
    return this.input !== null;
  }

  /** The shared nets' input width (what the bottom or experts read). */
  protected get inputDim(): number {
    return (this.input ?? this.taskInputs![0]!).outDim;
  }

  /** Task t's tower on `inDim` columns of H, reading its own tables too under 'shared+per-task'. */
  protected tower(t: number, inDim: number, config: ModelConfig): Tower {
    return new Tower(this.store, `tower.${this.tasks[t]}`, inDim, config, this.towerTables?.[t]);
  }

  /**
   * The shared part, run once per step: the tensors every head reads (H, seen as its column blocks); empty
   * when the model shares nothing. Several blocks avoid a concat/slice copy when nothing is detached.
   */
  shared(g: Graph, batch: FeatureBatch): Tensor[] {
    return this.input ? this.body(g, this.input.forward(g, batch)) : [];
  }
  /** The shared nets on the input tensor x (`shared` without the input). */
  protected abstract body(g: Graph, x: Tensor): Tensor[];
  /** The task-specific part on the shared blocks (possibly detached copies): one B×1 logit per task. */
  heads(g: Graph, shared: readonly Tensor[], batch: FeatureBatch): Tensor[] {
    return this.tasks.map((_, t) => this.head(g, shared, batch, t));
  }
  /** Task t's head alone (under 'per-task' embeddings the shared nets run once per task, and only its head). */
  protected abstract head(g: Graph, shared: readonly Tensor[], batch: FeatureBatch, t: number): Tensor;

  /**
   * `shared` in the output is H (the blocks concatenated when there are several and `detachShared` asks for
   * it; the single block otherwise). With `detachShared`, the heads read `detached` (a leaf over H's values)
   * so one backward per task through the heads leaves dL_t/dH in `detached.grad`, and `g.backward(shared, dH)`
   * then runs the shared part once. Under 'per-task' embeddings the shared nets run once per task on that
   * task's input, and nothing is shared.
   */
  forward(g: Graph, batch: FeatureBatch, opts: { detachShared?: boolean } = {}): ModelOutput {
    if (this.taskInputs)
      return {
        logits: this.taskInputs.map((inp, t) => this.head(g, this.body(g, inp.forward(g, batch)), batch, t)),
      };
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

/** A tower: MLP of `config.tower` widths, then a 1-unit linear output (the logit); `own`: its task's tables, read beside x. */
export class Tower {
  private readonly mlp: MLP;
  private readonly out: Dense;

  constructor(
    store: ParamStore,
    name: string,
    inDim: number,
    config: ModelConfig,
    private readonly own?: FeatureInput,
  ) {
    const width = inDim + (own?.outDim ?? 0);
    this.mlp = new MLP(store, name, width, config.tower, { activation: activationOf(config), dropout: config.dropout });
    this.out = new Dense(store, `${name}.logit`, this.mlp.outDim, 1);
  }

  forward(g: Graph, x: Tensor, batch: FeatureBatch): Tensor {
    const input = this.own ? g.concat([x, this.own.forward(g, batch)]) : x;
    return this.out.forward(g, this.mlp.forward(g, input));
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
