/**
 * `training.lossWeighting`: the options of each loss-weighting method (src/weighting, one file per method), one
 * record per method. They live in the config layer so the whole experiment is validated before any data is read.
 */
import { z } from 'zod';

export const staticOptions = z.object({ method: z.literal('static') }).strict();

export const uncertaintyOptions = z
  .object({
    method: z.literal('uncertainty'),
    lr: z.number().positive().default(0.01),
    initLogVariance: z.number().finite().default(0),
  })
  .strict();

export const gradnormOptions = z
  .object({
    method: z.literal('gradnorm'),
    alpha: z.number().min(0).default(1.5),
    lr: z.number().positive().default(0.025),
  })
  .strict();

export const dwaOptions = z
  .object({
    method: z.literal('dwa'),
    temperature: z.number().positive().default(2),
    window: z.number().int().positive().default(100),
  })
  .strict();

export const mgdaOptions = z
  .object({
    method: z.literal('mgda'),
    normalization: z.enum(['none', 'l2', 'loss', 'loss+']).default('none'),
    solver: z.enum(['exact', 'frank-wolfe']).optional(),
  })
  .strict();

export const paretoOptions = z
  .object({
    method: z.literal('pareto'),
    bounds: z.record(z.string(), z.number().min(0).max(1)).default({}),
  })
  .strict();

export const pcgradOptions = z
  .object({
    method: z.literal('pcgrad'),
    seed: z.number().int().optional(),
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
