// The shape of preprocess.json, checked whenever it is read back (a run's or a cache entry's): a damaged
// artifact is a clear error, never encoders that silently score with garbage.
import { z } from 'zod';
import { MtrankError } from '../util/errors.js';
import { FITTED_SCHEMAS } from './kinds/index.js';
import type { PreprocessJson } from './preprocessor.js';

const feature = z.discriminatedUnion('kind', [...FITTED_SCHEMAS]);

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
