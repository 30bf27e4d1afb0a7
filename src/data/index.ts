export type { EncodedSplit, CategoricalColumn, MultiColumn, SplitName } from './types.js';
export { SPLITS } from './types.js';
export {
  prepareData,
  encodeData,
  emptySplit,
  type PreparedData,
  type EncodedData,
  type PrepareOptions,
  type DataReport,
  type ProgressEvent,
} from './prepare.js';
export type { BadRowReport } from './stage.js';
export { generateFunnel, writeFunnel, type FunnelOptions, type FunnelData, type FunnelProbabilities } from './synth.js';
export { funnelOracle, formatOracle, type FunnelOracle } from './synth-oracle.js';
export { encodeRows, type EncodeRowsOptions } from './infer.js';
export { batches, selectRows, streamBatches } from './batches.js';
