// One value per row, embedded: an id from the training vocabulary (or a hash bucket); may carry pretrained vectors.
import { z } from 'zod';
import type { CategoricalFeatureConfig, FeatureConfig } from '../../config/schema.js';
import { ident } from '../../util/duckdb.js';
import { attachPretrained, type FittedPretrained } from '../pretrained.js';
import { appendVocabulary, hashExpr, textCol, vocabTable } from '../sql.js';
import type { FittedBase, IdKind } from './kind.js';
import { base, count, vocabularyKeys } from './fitted-schema.js';
import { categoricalId, fitVocabulary, vocabularyRows, type VocabularyFitted } from './vocabulary.js';

export interface FittedCategorical extends FittedBase, VocabularyFitted {
  kind: 'categorical';
  role?: 'item';
  /** Pretrained vectors (the vocabulary may end with tokens appended from the file). */
  pretrained?: FittedPretrained;
}

export const categorical: IdKind<FittedCategorical, CategoricalFeatureConfig> = {
  kind: 'categorical',
  configures: (f: FeatureConfig): f is CategoricalFeatureConfig => f.type === 'categorical',
  fitted: z.looseObject({
    kind: z.literal('categorical'),
    ...base,
    ...vocabularyKeys,
    role: z.literal('item').optional(),
    pretrained: z.looseObject({ path: z.string(), trainedVocab: count }).optional(),
  }),
  raw: 'text',
  input: 'id',

  async fit(f, { c, rawTable, base }) {
    const vocab =
      f.hashBuckets !== undefined
        ? undefined
        : await fitVocabulary(
            c,
            base.name,
            `SELECT r.${ident(textCol(base.column))} AS v FROM ${rawTable} r`,
            f.minCount,
            f.maxSize,
          );
    const fitted: FittedCategorical = {
      ...base,
      kind: 'categorical',
      dim: f.embeddingDim,
      vocab,
      hashBuckets: f.hashBuckets,
      ...(f.role ? { role: f.role } : {}),
    };
    if (f.pretrained) {
      const appended = attachPretrained(fitted, f.pretrained);
      if (appended.length) await appendVocabulary(c, fitted, appended, fitted.vocab!.length - appended.length + 1);
    }
    return fitted;
  },

  sqlId(f, alias) {
    const col = `r.${ident(textCol(f.column))}`;
    if (f.hashBuckets !== undefined) return { expr: hashExpr(col, f.hashBuckets) };
    return {
      expr: `COALESCE(${alias}.id, 0)::INTEGER`,
      join: `LEFT JOIN ${vocabTable(f)} ${alias} ON ${col} = ${alias}.v`,
    };
  },

  jsId: (f, lookup) => (v) => {
    const t = v as string | null; // raw 'text': a string or missing
    const id = categoricalId(f, t, lookup);
    return id === 0 && t !== null && lookup !== null ? -1 : id;
  },

  vocabSize: vocabularyRows,

  requestField: () => ({ type: ['string', 'number', 'null'] }),
};
