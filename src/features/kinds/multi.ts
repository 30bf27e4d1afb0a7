// Several values per cell (split on a separator), each an id from the vocabulary (or a hash bucket), pooled.
import { z } from 'zod';
import type { FeatureConfig, MultiCategoricalFeatureConfig } from '../../config/schema.js';
import { ident, sqlString } from '../../util/duckdb.js';
import { hashExpr, textCol, vocabTable } from '../sql.js';
import { base, count, vocabularyKeys } from './fitted-schema.js';
import type { FittedBag, IdsKind } from './kind.js';
import { categoricalId, fitVocabulary, vocabularyRows, type VocabularyFitted } from './vocabulary.js';

export interface FittedMulti extends FittedBag, VocabularyFitted {
  kind: 'multi';
  separator: string;
}

export const multi: IdsKind<FittedMulti, MultiCategoricalFeatureConfig> = {
  kind: 'multi',
  configures: (f: FeatureConfig): f is MultiCategoricalFeatureConfig => f.type === 'multi-categorical',
  fitted: z.looseObject({
    kind: z.literal('multi'),
    ...base,
    ...vocabularyKeys,
    separator: z.string(),
    maxLength: count,
    pooling: z.enum(['mean', 'sum']),
  }),
  raw: 'text',
  input: 'ids',

  async fit(f, { c, rawTable, base }) {
    const fitted = {
      ...base,
      kind: 'multi' as const,
      dim: f.embeddingDim,
      separator: f.separator,
      maxLength: f.maxLength,
      pooling: f.pooling,
      hashBuckets: f.hashBuckets,
    };
    const vocab =
      f.hashBuckets !== undefined
        ? undefined
        : await fitVocabulary(
            c,
            base.name,
            `SELECT unnest(${tokensExpr(fitted)}) AS v FROM ${rawTable} r`,
            f.minCount,
            f.maxSize,
          );
    return { ...fitted, vocab };
  },

  vocabSize: vocabularyRows,

  sqlIds: multiQueries,

  jsIds: (f, lookup) => (v) =>
    splitTokens(v === null ? null : String(v), f.separator, f.maxLength).map((t) => categoricalId(f, t, lookup)),

  requestField: (f) => ({ type: ['string', 'null'], description: `tokens joined by '${f.separator}'` }),
};

/** Split, drop empty tokens, keep the first maxLength (the order DuckDB's list functions use). */
function splitTokens(v: string | null, separator: string, maxLength: number): string[] {
  if (v === null) return [];
  return v
    .split(separator)
    .filter((t) => t !== '')
    .slice(0, maxLength);
}

/** Tokens of a multi-categorical cell in SQL: the twin of splitTokens. */
function tokensExpr(f: Pick<FittedMulti, 'column' | 'separator' | 'maxLength'>, table = 'r'): string {
  return `list_slice(list_filter(string_split(${table}.${ident(textCol(f.column))}, ${sqlString(f.separator)}), t -> t <> ''), 1, ${f.maxLength})`;
}

/** Query giving, per row in `order`, the number of tokens; and one giving the token ids in the same order. */
function multiQueries(f: FittedMulti, rawTable: string, order: string): { lengths: string; ids: string } {
  const lengths = `SELECT COALESCE(len(${tokensExpr(f)}), 0)::INTEGER FROM ${rawTable} r ORDER BY r.${order}`;
  const tokens = `SELECT r.${order} AS __k, unnest(${tokensExpr(f)}) AS tok, generate_subscripts(${tokensExpr(f)}, 1) AS pos FROM ${rawTable} r`;
  const id = f.hashBuckets !== undefined ? hashExpr('t.tok', f.hashBuckets) : 'COALESCE(v.id, 0)::INTEGER';
  const join = f.hashBuckets !== undefined ? '' : `LEFT JOIN ${vocabTable(f)} v ON t.tok = v.v`;
  const ids = `SELECT ${id} FROM (${tokens}) t ${join} ORDER BY t.__k, t.pos`;
  return { lengths, ids };
}
