// The shape of preprocess.json, checked whenever it is read back (a run's or a cache entry's): a damaged
// artifact is a clear error, never encoders that silently score with garbage.
import { z } from 'zod';
import { MtrankError } from '../util/errors.js';
import type { PreprocessJson } from './preprocessor.js';

const finite = z.number().finite();
const count = z.number().int().nonnegative();
const base = { name: z.string(), column: z.string(), input: z.boolean(), group: z.boolean() };
const vocab = z.array(z.string()).optional();

const feature = z.discriminatedUnion('kind', [
  z.looseObject({
    kind: z.literal('categorical'),
    ...base,
    dim: count,
    role: z.literal('item').optional(),
    vocab,
    hashBuckets: count.optional(),
    pretrained: z.looseObject({ path: z.string(), trainedVocab: count }).optional(),
  }),
  z.looseObject({
    kind: z.literal('multi'),
    ...base,
    dim: count,
    separator: z.string(),
    maxLength: count,
    pooling: z.enum(['mean', 'sum']),
    vocab,
    hashBuckets: count.optional(),
  }),
  z.looseObject({
    kind: z.literal('numeric'),
    ...base,
    transform: z.enum(['none', 'standardize', 'log-standardize', 'minmax']),
    default: finite,
    missingIndicator: z.boolean(),
    shift: finite,
    scale: finite.refine((x) => x !== 0, 'must not be 0'),
  }),
  z.looseObject({ kind: z.literal('bucketize'), ...base, dim: count, boundaries: z.array(finite) }),
]);

const preprocessJson = z.looseObject({
  version: z.number(),
  features: z.array(feature),
  labels: z.array(
    z.looseObject({
      task: z.string(),
      column: z.string(),
      positive: z.array(z.string()).optional(),
      negative: z.array(z.string()).optional(),
    }),
  ),
  nullValues: z.array(z.string()),
  itemFeature: z.string().optional(),
  groupFeature: z.string().optional(),
});

/** `raw` as a PreprocessJson, or an error naming the file and the first bad field. */
export function validatePreprocessJson(raw: unknown, file: string): PreprocessJson {
  const r = preprocessJson.safeParse(raw);
  // The input as written (zod's output reorders keys; the exact text identifies the encoders in the cache).
  if (r.success) return raw as PreprocessJson;
  const i = r.error.issues[0]!;
  throw new MtrankError(
    `${file}: damaged preprocessing artifact (${i.path.join('.') || 'top level'}: ${i.message}); retrain or delete the cache entry`,
    undefined,
    'data',
  );
}
