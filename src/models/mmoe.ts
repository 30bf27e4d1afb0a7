import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import type { FeatureBatch, MLP } from './layers.js';
import { MultiTaskModel, type ModelContext, type Tower } from './model.js';
import { Gate, expertGroup } from './experts.js';

/**
 * Multi-gate Mixture-of-Experts (Ma et al., KDD 2018): shared expert MLPs, one softmax gate per task over
 * them, a tower per task on its mixture. H = [input | expert outputs], since the gates read the input too.
 */
export class MMoE extends MultiTaskModel {
  readonly type = 'mmoe' as const;
  private readonly experts: MLP[];
  private readonly gates: Gate[];
  private readonly towers: Tower[];

  constructor(ctx: ModelContext) {
    super(ctx);
    const { store, config } = ctx;
    this.experts = expertGroup(store, 'expert', config.experts, this.inputDim, config);
    this.gates = this.tasks.map((t) => new Gate(store, `gate.${t}`, this.inputDim, config.experts));
    this.towers = this.tasks.map((_, t) => this.tower(t, this.experts[0]!.outDim, config));
  }

  protected body(g: Graph, x: Tensor): Tensor[] {
    return [x, ...this.experts.map((e) => e.forward(g, x))];
  }

  protected head(g: Graph, [x, ...experts]: readonly Tensor[], batch: FeatureBatch, t: number): Tensor {
    return this.towers[t]!.forward(g, this.gates[t]!.mix(g, x!, experts), batch);
  }
}
