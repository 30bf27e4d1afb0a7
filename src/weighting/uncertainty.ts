// `uncertainty` (Kendall, Gal & Cipolla, CVPR 2018): a learned log-variance sᵢ per task and the total
//   Σ exp(−sᵢ)·Lᵢ + sᵢ
// (the common "s = log σ²" form, without the paper's ½ factors, which differ between regression and
// classification). The network sees weights exp(−sᵢ); the strategy steps s itself with a small Adam on
// ∂/∂sᵢ = 1 − exp(−sᵢ)·Lᵢ, whose fixed point is exp(sᵢ) = Lᵢ: noisy / large-loss tasks get smaller weights.
import type { z } from 'zod';
import type { uncertaintyOptions } from '../config/loss-weighting.js';
import { ScalarAdam } from './adam.js';
import { byTask, checkLosses, readState, type LossWeighting, type TaskSpec } from './base.js';

export function createUncertainty(
  options: z.infer<typeof uncertaintyOptions>,
  tasks: readonly TaskSpec[],
): LossWeighting {
  let logVariance = tasks.map(() => options.initLogVariance);
  const adam = new ScalarAdam(tasks.length, options.lr);
  const current = () => logVariance.map((s) => Math.exp(-s));
  let applied = current();
  return {
    method: 'uncertainty',
    needs: 'losses',
    weights(input) {
      checkLosses('uncertainty', tasks, input);
      const w = current();
      applied = [...w];
      adam.step(
        logVariance,
        input.losses.map((loss, t) => 1 - w[t]! * loss),
      );
      return w;
    },
    state: () => ({ method: 'uncertainty', logVariance: [...logVariance], ...adam.state() }),
    load(state) {
      const s = readState('uncertainty', tasks, state, ['logVariance', 'm', 'v']);
      logVariance = [...s.logVariance];
      adam.load({ m: s.m, v: s.v, t: Number(s.t) || 0 });
      applied = current();
    },
    describe: () => byTask(tasks, applied),
  };
}
