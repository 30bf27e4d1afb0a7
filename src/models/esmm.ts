import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import type { FeatureBatch, MLP } from './layers.js';
import { MultiTaskModel, mlp, type ModelContext, type TaskSpec, type Tower } from './model.js';
import { MtrankError } from '../util/errors.js';

/**
 * Entire Space Multi-task Model (Ma et al., SIGIR 2018) for funnels: the embeddings are shared (H), each
 * task has its own network predicting its rate *given* its parent task (dependsOn), and the trainer fits
 * the products — p(order) = p(click)·p(cart|click)·p(order|cart) — on all impressions, so the sparse
 * conversion tasks learn on the whole impression space.
 */
export class ESMM extends MultiTaskModel {
  readonly type = 'esmm' as const;
  private readonly nets: { bottom: MLP; tower: Tower }[];

  constructor(ctx: ModelContext) {
    super(ctx, { chains: funnelChains(ctx.tasks) });
    this.nets = this.tasks.map((t, k) => {
      const bottom = mlp(ctx.store, `${t}.bottom`, this.inputDim, ctx.config.bottom, ctx.config);
      return { bottom, tower: this.tower(k, bottom.outDim, ctx.config) };
    });
  }

  protected body(_g: Graph, x: Tensor): Tensor[] {
    return [x];
  }

  protected head(g: Graph, [H]: readonly Tensor[], batch: FeatureBatch, t: number): Tensor {
    const n = this.nets[t]!;
    return n.tower.forward(g, n.bottom.forward(g, H!), batch);
  }
}

/** For each task, its ancestors via dependsOn (root first), then itself. */
export function funnelChains(tasks: readonly TaskSpec[]): number[][] {
  const index = new Map(tasks.map((t, i) => [t.name, i]));
  return tasks.map((task, i) => {
    const chain = [i];
    let cur = task;
    while (cur.dependsOn !== undefined) {
      const p = index.get(cur.dependsOn);
      if (p === undefined) throw new MtrankError(`tasks.${cur.name}.dependsOn: no task named '${cur.dependsOn}'`);
      if (chain.includes(p))
        throw new MtrankError(
          `tasks.${task.name}.dependsOn: the chain ${[...chain.map((k) => tasks[k]!.name).reverse(), tasks[p]!.name].join(' → ')} is a cycle`,
        );
      chain.unshift(p);
      cur = tasks[p]!;
    }
    return chain;
  });
}
