// What an interaction layer is to a model: it reads the B×D feature tensor (embeddings at known column
// offsets, then dense columns) and gives the tensor the bottom (or experts) read instead, `outDim` wide.
import type { Graph } from '../../engine/graph.js';
import type { Tensor } from '../../engine/tensor.js';

export interface Interaction {
  readonly outDim: number;
  forward(g: Graph, x: Tensor): Tensor;
}

/** An ID field's embedding block in the feature tensor. */
export interface FieldBlock {
  name: string;
  offset: number;
  dim: number;
}
