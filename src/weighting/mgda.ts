// `mgda`, MGDA-UB (Sener & Koltun, NeurIPS 2018): the weights are the min-norm convex combination of the
// per-task gradients at the shared representation H (the "upper bound" that needs one gradient per task at
// H, not at every shared parameter). Solved exactly on the float64 Gram matrix (min-norm.ts).
// `normalization` rescales gᵢ before the solve only, as in the authors' code: 'l2' gᵢ/‖gᵢ‖, 'loss' gᵢ/Lᵢ,
// 'loss+' gᵢ/(Lᵢ‖gᵢ‖), 'none'. The weights (Σ = 1) then multiply the raw losses.
import type { z } from 'zod';
import type { mgdaOptions } from '../config/loss-weighting.js';
import { byTask, checkLosses, requireGrads, readState, type LossWeighting, type TaskSpec } from './base.js';
import { gramMatrix } from './gram.js';
import { minNormOnSimplex } from './min-norm.js';

type Normalization = z.infer<typeof mgdaOptions>['normalization'];

/** Per-task divisor applied to gᵢ (a zero norm or loss leaves gᵢ as is rather than dividing by zero). */
export function gradientScale(normalization: Normalization, G: Float64Array, losses: readonly number[]): number[] {
  const T = losses.length;
  return losses.map((loss, i) => {
    const norm = Math.sqrt(G[i * T + i]!);
    const d =
      normalization === 'l2' ? norm : normalization === 'loss' ? loss : normalization === 'loss+' ? loss * norm : 1;
    return d > 0 ? d : 1;
  });
}

export function createMgda(options: z.infer<typeof mgdaOptions>, tasks: readonly TaskSpec[]): LossWeighting {
  const T = tasks.length;
  let last = new Array<number>(T).fill(1 / T);
  return {
    method: 'mgda',
    needs: 'shared-grads',
    weights(input) {
      checkLosses('mgda', tasks, input);
      const G = gramMatrix(requireGrads('mgda', tasks, input), 'mgda');
      const d = gradientScale(options.normalization, G, input.losses);
      const Gn = G.map((v, k) => v / (d[Math.floor(k / T)]! * d[k % T]!));
      last = minNormOnSimplex(Gn, undefined, options.solver ? { method: options.solver } : {});
      return [...last];
    },
    state: () => ({ method: 'mgda', weights: [...last] }),
    load(state) {
      last = [...readState('mgda', tasks, state, ['weights']).weights];
    },
    describe: () => byTask(tasks, last),
  };
}
