// `dwa`, Dynamic Weight Average (Liu, Johns & Davison, CVPR 2019):
//   wₖ = T·exp(rₖ/τ) / Σᵢ exp(rᵢ/τ),   rₖ = L̄ₖ(last window) / L̄ₖ(window before)
// where L̄ is the mean training loss over a window. The paper's window is an epoch; here it is `window`
// consecutive steps so that it adapts within long epochs. Until two windows are complete every weight is 1.
import type { z } from 'zod';
import type { dwaOptions } from '../config/loss-weighting.js';
import { byTask, checkLosses, readState, type LossWeighting, type TaskSpec } from './base.js';

export function createDwa(options: z.infer<typeof dwaOptions>, tasks: readonly TaskSpec[]): LossWeighting {
  const T = tasks.length;
  let sums = new Array<number>(T).fill(0),
    count = 0;
  let last: number[] | null = null,
    before: number[] | null = null;
  let applied = new Array<number>(T).fill(1);

  const current = (): number[] => {
    if (!last || !before) return new Array<number>(T).fill(1);
    const e = last.map((l, k) => Math.exp(l / before![k]! / options.temperature));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => (T * x) / z);
  };

  return {
    method: 'dwa',
    needs: 'losses',
    weights(input) {
      checkLosses('dwa', tasks, input);
      const w = current();
      applied = [...w];
      input.losses.forEach((loss, t) => {
        sums[t] = sums[t]! + loss;
      });
      if (++count === options.window) {
        before = last;
        last = sums.map((s) => Math.max(s / count, 1e-12)); // a zero mean loss would divide by zero next window
        sums = new Array<number>(T).fill(0);
        count = 0;
      }
      return w;
    },
    state: () => ({ method: 'dwa', sums: [...sums], count, last, before }),
    load(state) {
      const s = readState('dwa', tasks, state, ['sums'], ['last', 'before']);
      sums = [...s.sums];
      count = Number(s.count) || 0;
      last = s.last;
      before = s.before;
      applied = current();
    },
    describe: () => byTask(tasks, applied),
  };
}
