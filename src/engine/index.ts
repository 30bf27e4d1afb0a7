// Public surface of the engine: tensors and the tape, parameters and initialisers, optimizers,
// gradient clipping, checkpoints, and the kernel allocators models need for their inputs.
export { Tensor } from './tensor.js';
export { Graph, sigmoid, type GraphOptions, type FeatureSpec, type FieldLookup, type BagLookup } from './graph.js';
export { Parameter, EmbeddingTable, ParamStore, type SparseGrad } from './params.js';
export { xavierUniform, heNormal, heUniform, normal, uniformInit, zeros, type Init } from './init.js';
export { clipGradNorm } from './clip.js';
export { saveCheckpoint, loadCheckpoint, readManifest, type Manifest } from './checkpoint.js';
export * from './optim/index.js';
export { heap, scratch } from './kernels.js';
export { Rng } from '../util/rng.js';
