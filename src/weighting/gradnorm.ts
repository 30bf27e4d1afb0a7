// `gradnorm` (Chen, Badrinarayanan, Lee & Rabinovich, ICML 2018). Learned weights wᵢ (start 1, Σw = T after
// every step) are pushed so that each task's weighted gradient norm Gᵢ = wᵢ‖gᵢ‖ approaches
//   Ḡ · rᵢ^α,   rᵢ = (Lᵢ/Lᵢ(0)) / meanⱼ(Lⱼ/Lⱼ(0))
// by an Adam step on L_grad = Σ|Gᵢ − target_i| (targets held constant, as in the paper). The step is taken
// on log wᵢ: weights that end up orders of magnitude apart (as gradient norms do) then move by the same
// relative amount and stay positive, where the paper's additive step overshoots the small ones. The paper takes gᵢ
// at the last shared layer's weights; here gᵢ = dLᵢ/dH at the shared representation H, which the trainer
// already has from its per-task backward (no extra backward through the bottom) and which, for a
// Shared-Bottom model, is that layer's output. Lᵢ(0) are the losses of the first step seen.
import type { z } from 'zod';
import type { gradnormOptions } from '../config/loss-weighting.js';
import { ScalarAdam } from './adam.js';
import { byTask, checkLosses, readState, requireGrads, type LossWeighting, type TaskSpec } from './base.js';
import { squaredNorms } from './gram.js';

export function createGradnorm(options: z.infer<typeof gradnormOptions>, tasks: readonly TaskSpec[]): LossWeighting {
  const T = tasks.length;
  let w = new Array<number>(T).fill(1);
  let initialLoss: number[] | null = null;
  let applied = [...w];
  const adam = new ScalarAdam(T, options.lr);
  return {
    method: 'gradnorm',
    needs: 'shared-grads',
    weights(input) {
      checkLosses('gradnorm', tasks, input);
      const norms = squaredNorms(requireGrads('gradnorm', tasks, input), 'gradnorm').map(Math.sqrt);
      applied = [...w];
      initialLoss ??= input.losses.map((l) => Math.max(l, 1e-12));
      const ratio = input.losses.map((l, i) => l / initialLoss![i]!);
      const meanRatio = ratio.reduce((a, b) => a + b, 0) / T;
      const G = w.map((wi, i) => wi * norms[i]!);
      const meanG = G.reduce((a, b) => a + b, 0) / T;
      // ∂L_grad/∂log wᵢ = sign(Gᵢ − targetᵢ)·wᵢ‖gᵢ‖
      const grad = G.map((g, i) => Math.sign(g - meanG * (ratio[i]! / meanRatio) ** options.alpha) * g);
      const logW = w.map(Math.log);
      adam.step(logW, grad);
      w = logW.map(Math.exp);
      const sum = w.reduce((a, b) => a + b, 0);
      w = w.map((x) => (T * x) / sum);
      return [...applied];
    },
    state: () => ({ method: 'gradnorm', weights: [...w], initialLoss, ...adam.state() }),
    load(state) {
      const s = readState('gradnorm', tasks, state, ['weights', 'm', 'v'], ['initialLoss']);
      w = [...s.weights];
      applied = [...w];
      initialLoss = s.initialLoss;
      adam.load({ m: s.m, v: s.v, t: Number(s.t) || 0 });
    },
    describe: () => byTask(tasks, applied),
  };
}
