import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import { FeatureInput, type FeatureBatch, type MLP } from './layers.js';
import { MultiTaskModel, Tower, type ModelContext } from './model.js';
import { Gate, expertGroup } from './experts.js';

/**
 * Multi-gate Mixture-of-Experts (Ma et al., KDD 2018): shared expert MLPs, one softmax gate per task over
 * them, a tower per task on its mixture. H = [input | expert outputs], since the gates read the input too.
 */
export class MMoE extends MultiTaskModel {
  readonly type = 'mmoe' as const;
  private readonly input: FeatureInput;
  private readonly experts: MLP[];
  private readonly gates: Gate[];
  private readonly towers: Tower[];

  constructor(ctx: ModelContext) {
    super(ctx);
    const { store, config } = ctx;
    this.input = new FeatureInput(store, ctx.features);
    this.experts = expertGroup(store, 'expert', config.experts, this.input.outDim, config);
    this.gates = this.tasks.map((t) => new Gate(store, `gate.${t}`, this.input.outDim, config.experts));
    this.towers = this.tasks.map((t) => new Tower(store, `tower.${t}`, this.experts[0]!.outDim, config));
  }

  shared(g: Graph, batch: FeatureBatch): Tensor[] {
    const x = this.input.forward(g, batch);
    return [x, ...this.experts.map((e) => e.forward(g, x))];
  }

  heads(g: Graph, [x, ...experts]: readonly Tensor[]): Tensor[] {
    return this.towers.map((tower, t) => tower.forward(g, this.gates[t]!.mix(g, x!, experts)));
  }
}
