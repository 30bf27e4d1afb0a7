import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import { FeatureInput, type FeatureBatch, type FeatureInputSpec, type MLP } from './layers.js';
import { MultiTaskModel, Tower, mlp, type ModelContext } from './model.js';

/** The baseline: one independent network per task (own embeddings, bottom and tower); nothing shared. */
export class SingleTask extends MultiTaskModel {
  readonly type = 'single-task' as const;
  private readonly nets: { input: FeatureInput; bottom: MLP; tower: Tower }[];

  constructor(ctx: ModelContext) {
    super(ctx);
    this.nets = this.tasks.map((task) => {
      const input = new FeatureInput(ctx.store, prefixed(ctx.features, task));
      const bottom = mlp(ctx.store, `${task}.bottom`, input.outDim, ctx.config.bottom, ctx.config);
      return { input, bottom, tower: new Tower(ctx.store, `tower.${task}`, bottom.outDim, ctx.config) };
    });
  }

  shared(): Tensor[] {
    return [];
  }

  heads(g: Graph, _shared: readonly Tensor[], batch: FeatureBatch): Tensor[] {
    return this.nets.map((n) => n.tower.forward(g, n.bottom.forward(g, n.input.forward(g, batch))));
  }
}

/** Per-task table names (emb.<task>/<feature>), so each task owns its embeddings. */
function prefixed(spec: FeatureInputSpec, task: string): FeatureInputSpec {
  return {
    categorical: spec.categorical.map((f) => ({ ...f, name: `${task}/${f.name}` })),
    multi: spec.multi?.map((f) => ({ ...f, name: `${task}/${f.name}` })),
    denseCount: spec.denseCount,
  };
}
