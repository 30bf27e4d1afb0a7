export type { EncodedSplit, SplitName } from './types.js';
export { prepareData, encodeData, emptySplit, type PreparedData, type PrepareOptions } from './prepare.js';
export { writeFunnel } from './synth.js';
export { encodeRows } from './infer.js';
export { streamBatches } from './batches.js';
