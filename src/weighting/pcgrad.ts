// `pcgrad`, gradient surgery (Yu et al., NeurIPS 2020): each task gradient gᵢ (scaled by its lossWeight) is
// projected, in a random order of the other tasks, onto the normal plane of every gⱼ it conflicts with
// (gᵢ·gⱼ < 0); the combined gradient is the sum. Applied to dL/dH at the shared representation.
// Every projected vector stays in the span of the gⱼ, so the whole procedure runs on T coefficients per task
// against the float64 Gram matrix, and the data is touched twice: once for the Gram, once for the sum.
// The order at step t comes from Rng(seed).fork(t), so a resumed run repeats it without saved RNG state.
import type { z } from 'zod';
import type { pcgradOptions } from '../config/loss-weighting.js';
import { Rng } from '../util/rng.js';
import { byTask, checkLosses, readState, requireGrads, type LossWeighting, type TaskSpec } from './base.js';
import { gramMatrix, linearCombination } from './gram.js';

/** Coefficients γ with Σᵢ PCGrad(wᵢgᵢ) = Σⱼ γⱼgⱼ, for Gram matrix G. */
export function pcgradCoefficients(G: Float64Array, weights: readonly number[], rng: Rng): number[] {
  const T = weights.length;
  const gamma = new Array<number>(T).fill(0);
  for (let i = 0; i < T; i++) {
    const c = new Array<number>(T).fill(0);
    c[i] = weights[i]!;
    const others = rng.shuffle([...Array(T).keys()].filter((j) => j !== i));
    for (const j of others) {
      let dot = 0; // (Σₖ cₖgₖ)·gⱼ
      for (let k = 0; k < T; k++) dot += c[k]! * G[k * T + j]!;
      const gjj = G[j * T + j]!;
      if (dot < 0 && gjj > 0) c[j] = c[j]! - dot / gjj;
    }
    for (let k = 0; k < T; k++) gamma[k] = gamma[k]! + c[k]!;
  }
  return gamma;
}

export function createPcgrad(
  options: z.infer<typeof pcgradOptions>,
  tasks: readonly TaskSpec[],
  seed: number,
): LossWeighting {
  const rng = new Rng(options.seed ?? seed).fork('pcgrad');
  const base = tasks.map((t) => t.lossWeight);
  let effective = [...base];
  return {
    method: 'pcgrad',
    needs: 'shared-grads',
    weights(input) {
      checkLosses('pcgrad', tasks, input);
      return [...base];
    },
    combine(input, weights) {
      const grads = requireGrads('pcgrad', tasks, input);
      effective = pcgradCoefficients(gramMatrix(grads, 'pcgrad'), weights, rng.fork(input.step));
      return linearCombination(grads, effective);
    },
    state: () => ({ method: 'pcgrad', effective: [...effective] }),
    load(state) {
      effective = [...readState('pcgrad', tasks, state, ['effective']).effective];
    },
    describe: () => byTask(tasks, effective),
  };
}
