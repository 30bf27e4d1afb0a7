// Scoring on mtrank's own wasm engine: the same forward pass and probability chain as evaluation, then the run's
// calibration and fusion as mtrank predict applies them.
import type { EncodedSplit } from '../data/types.js';
import { runOutputs, type OutputSpec } from '../fusion/outputs.js';
import { predictSplit } from '../training/evaluation.js';
import type { SavedRun } from '../training/saved-run.js';

/** Per task (task order) the output probability, and the ranking score (fused, or the first task's). */
export interface Scores {
  tasks: Float32Array[];
  score: Float64Array;
}

export interface ScoringBackend {
  readonly name: string;
  predict(split: EncodedSplit): Promise<Scores>;
  close(): void;
}

export function engineBackend(run: SavedRun, outputs: OutputSpec): ScoringBackend {
  return {
    name: 'engine',
    predict: async (split) => {
      const out = runOutputs(outputs, predictSplit(run.model, split), split.value);
      return { tasks: out.tasks, score: out.fused ?? Float64Array.from(out.tasks[0]!) };
    },
    close: () => run.model.store.release(),
  };
}
