import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import type { FeatureBatch, MLP } from './layers.js';
import { MultiTaskModel, mlp, type ModelContext, type Tower } from './model.js';

/** concat(ID embeddings, dense) (→ interaction) → shared bottom MLP (H) → one tower per task → logit. */
export class SharedBottom extends MultiTaskModel {
  readonly type = 'shared-bottom' as const;
  private readonly bottom: MLP;
  private readonly towers: Tower[];

  constructor(ctx: ModelContext) {
    super(ctx);
    this.bottom = mlp(ctx.store, 'bottom', this.inputDim, ctx.config.bottom, ctx.config);
    this.towers = this.tasks.map((_, t) => this.tower(t, this.bottom.outDim, ctx.config));
  }

  protected body(g: Graph, x: Tensor): Tensor[] {
    return [this.bottom.forward(g, x)];
  }

  protected head(g: Graph, [H]: readonly Tensor[], batch: FeatureBatch, t: number): Tensor {
    return this.towers[t]!.forward(g, H!, batch);
  }
}
