import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import type { ParamStore } from '../engine/params.js';
import type { FeatureBatch, MLP } from './layers.js';
import { MultiTaskModel, type ModelContext, type Tower } from './model.js';
import { Gate, expertGroup } from './experts.js';
import type { ModelConfig } from '../config/schema.js';

/**
 * One Customized Gate Control level: task-specific experts per task and shared experts; each task's gate
 * mixes its own and the shared experts; the shared gate (all but the last level) mixes all of them.
 */
class ExtractionLevel {
  private readonly taskExperts: MLP[][];
  private readonly sharedExperts: MLP[];
  private readonly taskGates: Gate[];
  private readonly sharedGate: Gate | null;
  readonly outDim: number;

  constructor(store: ParamStore, name: string, tasks: readonly string[], inDim: number, last: boolean, c: ModelConfig) {
    this.taskExperts = tasks.map((t) => expertGroup(store, `${name}.expert.${t}`, c.taskExperts, inDim, c));
    this.sharedExperts = expertGroup(store, `${name}.expert.shared`, c.sharedExperts, inDim, c);
    this.taskGates = tasks.map((t) => new Gate(store, `${name}.gate.${t}`, inDim, c.taskExperts + c.sharedExperts));
    this.sharedGate = last
      ? null
      : new Gate(store, `${name}.gate.shared`, inDim, tasks.length * c.taskExperts + c.sharedExperts);
    this.outDim = this.sharedExperts[0]!.outDim;
  }

  /** inputs: one per task, then the shared one. Returns the same layout (without the shared one at the last level). */
  forward(g: Graph, inputs: readonly Tensor[]): Tensor[] {
    const xs = inputs[inputs.length - 1]!;
    const shared = this.sharedExperts.map((e) => e.forward(g, xs));
    const own = this.taskExperts.map((group, t) => group.map((e) => e.forward(g, inputs[t]!)));
    const out = this.taskGates.map((gate, t) => gate.mix(g, inputs[t]!, [...own[t]!, ...shared]));
    if (this.sharedGate) out.push(this.sharedGate.mix(g, xs, [...own.flat(), ...shared]));
    return out;
  }
}

/**
 * Progressive Layered Extraction (Tang et al., RecSys 2020): `levels` stacked CGC levels, then a tower per
 * task. The shared part is everything before the last level; H = [its per-task outputs | its shared output]
 * (the input itself when levels = 1).
 */
export class PLE extends MultiTaskModel {
  readonly type = 'ple' as const;
  private readonly levels: ExtractionLevel[];
  private readonly towers: Tower[];

  constructor(ctx: ModelContext) {
    super(ctx);
    const { store, config } = ctx;
    this.levels = [];
    let dim = this.inputDim;
    for (let l = 0; l < config.levels; l++) {
      const level = new ExtractionLevel(store, `ple${l}`, this.tasks, dim, l === config.levels - 1, config);
      this.levels.push(level);
      dim = level.outDim;
    }
    this.towers = this.tasks.map((_, t) => this.tower(t, dim, config));
  }

  protected body(g: Graph, x: Tensor): Tensor[] {
    if (this.levels.length === 1) return [x];
    let inputs: Tensor[] = Array.from({ length: this.tasks.length + 1 }, () => x);
    for (const level of this.levels.slice(0, -1)) inputs = level.forward(g, inputs);
    return inputs;
  }

  /** The last level mixes every task's experts at once, so one task's head is the whole last level. */
  protected head(g: Graph, shared: readonly Tensor[], batch: FeatureBatch, t: number): Tensor {
    return this.heads(g, shared, batch)[t]!;
  }

  override heads(g: Graph, shared: readonly Tensor[], batch: FeatureBatch): Tensor[] {
    const inputs = shared.length === 1 ? Array.from({ length: this.tasks.length + 1 }, () => shared[0]!) : shared;
    const out = this.levels[this.levels.length - 1]!.forward(g, inputs);
    return this.towers.map((tower, t) => tower.forward(g, out[t]!, batch));
  }
}
