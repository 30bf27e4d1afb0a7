// Local stand-in for src/weighting (owned by the weighting engineer): the `static` method behind the same
// interface, used until createLossWeighting exists.

export interface WeightingInput { step: number; losses: number[]; sharedGrads?: Float32Array[] }
export interface LossWeighting {
  readonly method: string;
  readonly needs: 'losses' | 'shared-grads';
  weights(input: WeightingInput): number[];
  combine?(input: WeightingInput, weights: number[]): Float32Array;
  state(): unknown;
  load(state: unknown): void;
}

/** total loss = Σ lossWeight_t · loss_t, fixed for the whole run. */
export function staticWeighting(tasks: { name: string; lossWeight: number }[]): LossWeighting {
  const w = tasks.map((t) => t.lossWeight);
  return { method: 'static', needs: 'losses', weights: () => w.slice(), state: () => null, load: () => {} };
}
