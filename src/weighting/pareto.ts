// `pareto`, PE-LTR (Lin et al., "A Pareto-Efficient Algorithm for Multiple Objective Optimization in
// E-Commerce Recommendation", RecSys 2019): weights αᵢ = cᵢ + wᵢ minimising ‖Σαᵢgᵢ‖² with Σα = 1 and αᵢ ≥ cᵢ,
// where the lower bounds cᵢ (`bounds`, by task name, default 0) encode business priority. gᵢ are the
// per-task gradients at the shared representation; the constrained problem is solved exactly (pareto-solver.ts).
import type { z } from 'zod';
import type { paretoOptions } from '../config/loss-weighting.js';
import { didYouMean } from '../config/suggest.js';
import { MtrankError } from '../util/errors.js';
import { byTask, checkLosses, readState, requireGrads, type LossWeighting, type TaskSpec } from './base.js';
import { gramMatrix } from './gram.js';
import { paretoWeights } from './pareto-solver.js';

/** The lower bound per task, in task order; rejects unknown task names and bounds that sum past 1. */
export function lowerBounds(bounds: Record<string, number>, tasks: readonly TaskSpec[]): number[] {
  const names = tasks.map((t) => t.name);
  for (const name of Object.keys(bounds)) {
    if (!names.includes(name)) {
      throw new MtrankError(
        `training.lossWeighting.bounds: unknown task '${name}'${didYouMean(name, names)} (tasks: ${names.join(', ')})`,
      );
    }
  }
  const c = names.map((name) => bounds[name] ?? 0);
  const sum = c.reduce((a, b) => a + b, 0);
  if (sum > 1 + 1e-9) {
    throw new MtrankError(
      `training.lossWeighting.bounds: lower bounds sum to ${+sum.toFixed(6)}, more than 1 (the weights sum to 1)`,
    );
  }
  return c;
}

export function createPareto(options: z.infer<typeof paretoOptions>, tasks: readonly TaskSpec[]): LossWeighting {
  const c = lowerBounds(options.bounds, tasks);
  const slack = 1 - c.reduce((a, b) => a + b, 0);
  let last = c.map((ci) => ci + Math.max(slack, 0) / tasks.length);
  return {
    method: 'pareto',
    needs: 'shared-grads',
    weights(input) {
      checkLosses('pareto', tasks, input);
      last = paretoWeights(gramMatrix(requireGrads('pareto', tasks, input), 'pareto'), c);
      return [...last];
    },
    state: () => ({ method: 'pareto', weights: [...last] }),
    load(state) {
      last = [...readState('pareto', tasks, state, ['weights']).weights];
    },
    describe: () => byTask(tasks, last),
  };
}
