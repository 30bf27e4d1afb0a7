import type { Graph } from '../../engine/graph.js';
import type { Tensor } from '../../engine/tensor.js';
import type { FieldBlock, Interaction } from './interaction.js';

/**
 * Factorization machine (Rendle 2010) in its bi-interaction form (He & Chua 2017, NFM): the pairwise
 * products Σ_{f<g} e_f⊙e_g of the chosen fields' embeddings, dim columns appended to the input, so the
 * bottom sees the FM term (its row sum) and can weigh each dimension.
 */
export class FmInteraction implements Interaction {
  readonly outDim: number;
  private readonly offsets: number[];
  private readonly dim: number;

  constructor(inDim: number, fields: readonly FieldBlock[]) {
    this.offsets = fields.map((f) => f.offset);
    this.dim = fields[0]!.dim;
    this.outDim = inDim + this.dim;
  }

  forward(g: Graph, x: Tensor): Tensor {
    return g.concat([x, g.fm(x, this.offsets, this.dim)]);
  }
}
