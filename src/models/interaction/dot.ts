import type { Graph } from '../../engine/graph.js';
import type { Tensor } from '../../engine/tensor.js';
import type { FieldBlock, Interaction } from './interaction.js';

/**
 * Dot products of field embeddings appended to the input: with two fields (the default: user and item) the
 * matrix-factorisation score u·i; with more, every pair (DLRM-style).
 */
export class DotInteraction implements Interaction {
  readonly outDim: number;
  private readonly pairs: [number, number][] = [];
  private readonly dim: number;

  constructor(inDim: number, fields: readonly FieldBlock[]) {
    for (let a = 0; a < fields.length; a++)
      for (let c = a + 1; c < fields.length; c++) this.pairs.push([fields[a]!.offset, fields[c]!.offset]);
    this.dim = fields[0]!.dim;
    this.outDim = inDim + this.pairs.length;
  }

  forward(g: Graph, x: Tensor): Tensor {
    return g.concat([x, g.fieldDots(x, this.pairs, this.dim)]);
  }
}
