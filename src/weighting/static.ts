// `static`: the per-task `lossWeight`s from the config, unchanged for the whole run (the default).
import type { z } from 'zod';
import type { staticOptions } from '../config/loss-weighting.js';
import { byTask, checkLosses, readState, type LossWeighting, type TaskSpec } from './base.js';

export function createStatic(_options: z.infer<typeof staticOptions>, tasks: readonly TaskSpec[]): LossWeighting {
  const weights = tasks.map((t) => t.lossWeight);
  return {
    method: 'static',
    needs: 'losses',
    weights(input) {
      checkLosses('static', tasks, input);
      return [...weights];
    },
    state: () => ({ method: 'static' }),
    load(state) {
      readState('static', tasks, state, []);
    },
    describe: () => byTask(tasks, weights),
  };
}
