import type { Graph } from '../../engine/graph.js';
import type { Tensor } from '../../engine/tensor.js';
import type { ParamStore } from '../../engine/params.js';
import { Dense } from '../layers.js';
import type { Interaction } from './interaction.js';

/**
 * DCN-v2 cross network (Wang et al., WWW 2021), stacked before the bottom:
 * x_{l+1} = x_0 ⊙ (x_l·W_l + b_l) + x_l over the whole input (embeddings and dense columns). With a rank r,
 * W_l = V_l·U_l (D×r, r×D), 2·D·r multiply-adds per row instead of D² (r ≥ D: full rank).
 */
export class CrossNetwork implements Interaction {
  readonly outDim: number;
  private readonly layers: { down: Dense | null; up: Dense }[];

  constructor(store: ParamStore, name: string, inDim: number, layers: number, rank: number | 'full') {
    this.outDim = inDim;
    const lowRank = rank !== 'full' && rank < inDim;
    this.layers = Array.from({ length: layers }, (_, l) => ({
      down: lowRank ? new Dense(store, `${name}.${l}.down`, inDim, rank, { bias: false }) : null,
      up: new Dense(store, `${name}.${l}`, lowRank ? rank : inDim, inDim),
    }));
  }

  forward(g: Graph, x0: Tensor): Tensor {
    let x = x0;
    for (const { down, up } of this.layers) {
      const h = up.forward(g, down ? down.forward(g, x) : x);
      x = g.add(g.mul(x0, h), x);
    }
    return x;
  }
}
