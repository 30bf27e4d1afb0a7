// Scoring on mtrank's own wasm engine: the same forward pass and probability chain as evaluation.
import type { EncodedSplit } from '../data/types.js';
import { predictSplit } from '../training/evaluation.js';
import type { SavedRun } from '../training/saved-run.js';

export interface ScoringBackend {
  readonly name: string;
  /** Per-task probabilities in task order. */
  predict(split: EncodedSplit): Promise<Float32Array[]>;
  close(): void;
}

export function engineBackend(run: SavedRun): ScoringBackend {
  return {
    name: 'engine',
    predict: async (split) => predictSplit(run.model, split),
    close: () => run.model.store.release(),
  };
}
