import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import type { ParamStore } from '../engine/params.js';
import { Dense, type MLP } from './layers.js';
import { mlp } from './model.js';
import type { ModelConfig } from '../config/schema.js';

/** A softmax gate over `n` experts: weights = softmax(x·W + b), B×n. */
export class Gate {
  private readonly dense: Dense;
  constructor(
    store: ParamStore,
    name: string,
    inDim: number,
    readonly n: number,
  ) {
    this.dense = new Dense(store, name, inDim, n);
  }
  /** Σ_e gate_e(x) · expert_e. */
  mix(g: Graph, x: Tensor, experts: readonly Tensor[]): Tensor {
    return g.weightedSum(g.softmax(this.dense.forward(g, x)), experts);
  }
}

/** `count` expert MLPs of `config.expertHidden` widths. */
export function expertGroup(store: ParamStore, name: string, count: number, inDim: number, config: ModelConfig): MLP[] {
  return Array.from({ length: count }, (_, e) => mlp(store, `${name}.${e}`, inDim, config.expertHidden, config));
}
