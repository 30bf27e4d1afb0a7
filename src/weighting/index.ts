// Picks the loss-weighting strategy named by `training.lossWeighting` (one file per method).
import type { z } from 'zod';
import { WEIGHTING_METHODS, lossWeightingSchema } from '../config/loss-weighting.js';
import { MtrankError } from '../util/errors.js';
import type { LossWeighting, TaskSpec } from './base.js';
import { createDwa } from './dwa.js';
import { createGradnorm } from './gradnorm.js';
import { createMgda } from './mgda.js';
import { createPareto } from './pareto.js';
import { createPcgrad } from './pcgrad.js';
import { createStatic } from './static.js';
import { createUncertainty } from './uncertainty.js';

export type { LossWeighting, WeightingInput, TaskSpec } from './base.js';

export { WEIGHTING_METHODS } from '../config/loss-weighting.js';

/** Extension of the contract: `seed` (the experiment seed) drives pcgrad's task order unless it sets its own. */
export interface WeightingContext {
  seed?: number;
}

export function createLossWeighting(
  config: unknown,
  tasks: readonly TaskSpec[],
  context: WeightingContext = {},
): LossWeighting {
  checkTasks(tasks);
  const options = parseOptions(config ?? { method: 'static' });
  switch (options.method) {
    case 'static':
      return createStatic(options, tasks);
    case 'uncertainty':
      return createUncertainty(options, tasks);
    case 'gradnorm':
      return createGradnorm(options, tasks);
    case 'dwa':
      return createDwa(options, tasks);
    case 'mgda':
      return createMgda(options, tasks);
    case 'pareto':
      return createPareto(options, tasks);
    case 'pcgrad':
      return createPcgrad(options, tasks, context.seed ?? 0);
  }
}

function parseOptions(config: unknown): z.output<typeof lossWeightingSchema> {
  const method = (config as { method?: unknown } | null)?.method;
  if (typeof method !== 'string' || !(WEIGHTING_METHODS as readonly string[]).includes(method)) {
    throw new MtrankError(
      `training.lossWeighting.method: unknown method ${JSON.stringify(method)} (expected one of ${WEIGHTING_METHODS.join(', ')})`,
    );
  }
  const parsed = lossWeightingSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = ['training', 'lossWeighting', ...issue.path.map(String)].join('.');
    const keys = issue.code === 'unrecognized_keys' ? ` (${method} takes ${optionNames(method)})` : '';
    throw new MtrankError(`${path}: ${issue.message}${keys}`);
  }
  return parsed.data;
}

function optionNames(method: string): string {
  const schema = lossWeightingSchema.options.find((o) => o.shape.method.value === method)!;
  const names = Object.keys(schema.shape).filter((k) => k !== 'method');
  return names.length ? names.join(', ') : 'no options';
}

function checkTasks(tasks: readonly TaskSpec[]): void {
  if (tasks.length === 0) throw new MtrankError('lossWeighting: no tasks to weight');
  for (const t of tasks) {
    if (!Number.isFinite(t.lossWeight) || t.lossWeight < 0) {
      throw new MtrankError(`tasks.${t.name}.lossWeight: must be a finite number ≥ 0, got ${t.lossWeight}`);
    }
  }
}
