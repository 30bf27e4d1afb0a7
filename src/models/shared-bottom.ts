import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import { FeatureInput, type FeatureBatch, type MLP } from './layers.js';
import { MultiTaskModel, Tower, mlp, type ModelContext } from './model.js';

/** concat(ID embeddings, dense) → shared bottom MLP (H) → one tower per task → logit. */
export class SharedBottom extends MultiTaskModel {
  readonly type = 'shared-bottom' as const;
  private readonly input: FeatureInput;
  private readonly bottom: MLP;
  private readonly towers: Tower[];

  constructor(ctx: ModelContext) {
    super(ctx);
    this.input = new FeatureInput(ctx.store, ctx.features);
    this.bottom = mlp(ctx.store, 'bottom', this.input.outDim, ctx.config.bottom, ctx.config);
    this.towers = this.tasks.map((t) => new Tower(ctx.store, `tower.${t}`, this.bottom.outDim, ctx.config));
  }

  shared(g: Graph, batch: FeatureBatch): Tensor[] {
    return [this.bottom.forward(g, this.input.forward(g, batch))];
  }

  heads(g: Graph, [H]: readonly Tensor[]): Tensor[] {
    return this.towers.map((t) => t.forward(g, H!));
  }
}
