// zod pieces shared by the kinds' fitted-JSON schemas.
import { z } from 'zod';

export const finite = z.number().finite();
export const count = z.number().int().nonnegative();
export const base = { name: z.string(), column: z.string(), input: z.boolean(), group: z.boolean() };
/** The keys of the vocabulary kinds (categorical, multi). */
export const vocabularyKeys = { dim: count, vocab: z.array(z.string()).optional(), hashBuckets: count.optional() };
