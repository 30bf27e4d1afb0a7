import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import type { FeatureBatch, MLP } from './layers.js';
import { MultiTaskModel, Tower, mlp, type ModelContext } from './model.js';
import { ModelInput } from './model-input.js';

/** The baseline: one independent network per task (own embeddings, interaction, bottom and tower); nothing shared. */
export class SingleTask extends MultiTaskModel {
  readonly type = 'single-task' as const;
  private readonly nets: { input: ModelInput; bottom: MLP; tower: Tower }[];

  constructor(ctx: ModelContext) {
    super(ctx, { ownInputs: true });
    this.nets = this.tasks.map((task) => {
      // Per-task table names (emb.<task>/<feature>), so each task owns its embeddings.
      const input = new ModelInput(ctx.store, ctx.features, ctx.config, ctx.roles, `${task}/`);
      const bottom = mlp(ctx.store, `${task}.bottom`, input.outDim, ctx.config.bottom, ctx.config);
      return { input, bottom, tower: new Tower(ctx.store, `tower.${task}`, bottom.outDim, ctx.config) };
    });
  }

  protected body(): Tensor[] {
    return [];
  }

  protected head(g: Graph, _shared: readonly Tensor[], batch: FeatureBatch, t: number): Tensor {
    const n = this.nets[t]!;
    return n.tower.forward(g, n.bottom.forward(g, n.input.forward(g, batch)), batch);
  }
}
