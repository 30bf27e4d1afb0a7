/**
 * `training.lossWeighting`: the options of each loss-weighting method (src/weighting, one file per method), one
 * record per method. They live in the config layer so the whole experiment is validated before any data is read.
 */
import { z } from 'zod';

export const staticOptions = z
  .object({ method: z.literal('static').describe("Σ lossWeight·L with the tasks' lossWeights, fixed") })
  .strict();

export const uncertaintyOptions = z
  .object({
    method: z.literal('uncertainty').describe('learned log-variance per task (Kendall et al. 2018)'),
    lr: z.number().positive().default(0.01).describe('Adam learning rate of the log-variances'),
    initLogVariance: z.number().finite().default(0).describe('initial log-variance of every task'),
  })
  .strict();

export const gradnormOptions = z
  .object({
    method: z.literal('gradnorm').describe('learned weights balancing gradient norms (Chen et al. 2018)'),
    alpha: z.number().min(0).default(1.5).describe('strength of the pull towards equal training rates'),
    lr: z.number().positive().default(0.025).describe('Adam learning rate of the log-weights'),
  })
  .strict();

export const dwaOptions = z
  .object({
    method: z.literal('dwa').describe('dynamic weight average of loss ratios (Liu et al. 2019)'),
    temperature: z.number().positive().default(2).describe('softmax temperature over the loss ratios'),
    window: z.number().int().positive().default(100).describe('steps per loss window'),
  })
  .strict();

export const mgdaOptions = z
  .object({
    method: z.literal('mgda').describe('min-norm combination of the task gradients (Sener & Koltun 2018)'),
    normalization: z
      .enum(['none', 'l2', 'loss', 'loss+'])
      .default('none')
      .describe('gradient rescaling for the solve: l2 = g/‖g‖, loss = g/L, loss+ = both'),
    solver: z
      .enum(['exact', 'frank-wolfe'])
      .optional()
      .describe('min-norm solver (default: exact up to 12 tasks, else frank-wolfe)'),
  })
  .strict();

export const paretoOptions = z
  .object({
    method: z.literal('pareto').describe('PE-LTR: min-norm with lower bounds per task (Lin et al. 2019)'),
    bounds: z
      .record(z.string(), z.number().min(0).max(1))
      .default({})
      .describe('task → lower bound of its weight in [0, 1] (sum ≤ 1)'),
  })
  .strict();

export const pcgradOptions = z
  .object({
    method: z.literal('pcgrad').describe('projects conflicting task gradients (Yu et al. 2020)'),
    seed: z.number().int().optional().describe("projection-order seed (default: the experiment's seed)"),
  })
  .strict();

/** The loss-weighting methods, in the order the docs and benchmarks list them. */
export const lossWeightingSchema = z.discriminatedUnion('method', [
  staticOptions,
  uncertaintyOptions,
  gradnormOptions,
  dwaOptions,
  mgdaOptions,
  paretoOptions,
  pcgradOptions,
]);
export const WEIGHTING_METHODS = lossWeightingSchema.options.map((o) => o.shape.method.value);
