/**
 * Fit the preprocessing on the training split only: vocabularies by GROUP BY (count ≥ minCount, the most
 * frequent maxSize, ties by value), numeric statistics and quantile bucket boundaries — all in DuckDB.
 * The vocabulary tables stay registered for encoding.
 */
import type { ExperimentConfig, FeatureConfig, LabelRule } from '../config/schema.js';
import { groupFeatureName, itemFeatureName } from '../config/schema.js';
import { ident, queryRow, type DuckDBConnection } from '../data/duckdb.js';
import { PREPROCESS_VERSION, type FittedFeature, type FittedLabel, type PreprocessJson } from './preprocessor.js';
import { numCol, textCol, tokensExpr, vocabTable } from './sql.js';

export function featureColumn(name: string, f: FeatureConfig): string { return f.column ?? name; }
export function labelColumn(rule: LabelRule): string { return typeof rule === 'string' ? rule : rule.column; }

export function fittedLabels(config: ExperimentConfig): FittedLabel[] {
  return Object.entries(config.tasks).map(([task, t]) => {
    if (typeof t.label === 'string') return { task, column: t.label };
    return { task, column: t.label.column, positive: t.label.positive.map(String), negative: t.label.negative?.map(String) };
  });
}

export async function fitPreprocessor(c: DuckDBConnection, config: ExperimentConfig, rawTable: string): Promise<PreprocessJson> {
  const features: FittedFeature[] = [];
  for (const [name, f] of Object.entries(config.features)) {
    const column = featureColumn(name, f);
    const base = { name, column, input: f.input, group: f.group };
    if (f.type === 'categorical') {
      const vocab = f.hashBuckets !== undefined ? undefined
        : await fitVocabulary(c, name, `SELECT r.${ident(textCol(column))} AS v FROM ${rawTable} r`, f.minCount, f.maxSize);
      features.push({ ...base, kind: 'categorical', dim: f.embeddingDim, vocab, hashBuckets: f.hashBuckets, ...(f.role ? { role: f.role } : {}) });
    } else if (f.type === 'multi-categorical') {
      const fitted = { ...base, kind: 'multi' as const, dim: f.embeddingDim, separator: f.separator, maxLength: f.maxLength, pooling: f.pooling, hashBuckets: f.hashBuckets };
      const vocab = f.hashBuckets !== undefined ? undefined
        : await fitVocabulary(c, name, `SELECT unnest(${tokensExpr(fitted)}) AS v FROM ${rawTable} r`, f.minCount, f.maxSize);
      features.push({ ...fitted, vocab });
    } else {
      const x = ident(numCol(column));
      if (f.transform === 'bucketize') {
        const qs = Array.from({ length: f.buckets - 1 }, (_, k) => (k + 1) / f.buckets);
        const row = qs.length ? await queryRow(c, `SELECT quantile_cont(${x}, [${qs.join(', ')}]) AS b FROM ${rawTable}`) : { b: [] };
        const raw = (row.b as (number | null)[] | null) ?? [];
        const boundaries = [...new Set(raw.filter((b): b is number => b !== null && Number.isFinite(b)))].sort((a, b) => a - b);
        features.push({ ...base, kind: 'bucketize', dim: f.embeddingDim, boundaries });
        continue;
      }
      const g = f.transform === 'log-standardize' ? `sign(x) * ln(1 + abs(x))` : 'x';
      const s = await queryRow(c, `SELECT avg(${g}) AS mean, stddev_pop(${g}) AS std, min(x) AS lo, max(x) AS hi FROM (SELECT ${x} AS x FROM ${rawTable}) WHERE x IS NOT NULL`);
      let shift = 0, scale = 1;
      if (f.transform === 'standardize' || f.transform === 'log-standardize') {
        shift = (s.mean as number | null) ?? 0;
        const std = (s.std as number | null) ?? 0;
        scale = std > 1e-12 ? std : 1;
      } else if (f.transform === 'minmax') {
        shift = (s.lo as number | null) ?? 0;
        const range = ((s.hi as number | null) ?? 0) - shift;
        scale = range > 1e-12 ? range : 1;
      }
      features.push({ ...base, kind: 'numeric', transform: f.transform, default: f.default, missingIndicator: f.missingIndicator, shift, scale });
    }
  }
  return {
    version: PREPROCESS_VERSION,
    features,
    labels: fittedLabels(config),
    nullValues: config.data.nullValues,
    itemFeature: itemFeatureName(config),
    groupFeature: groupFeatureName(config),
  };
}

/** Build the vocabulary table (value → id, 1-based, most frequent first) and return its values in id order. */
async function fitVocabulary(c: DuckDBConnection, name: string, values: string, minCount: number, maxSize?: number): Promise<string[]> {
  const table = vocabTable({ name } as FittedFeature);
  const limit = maxSize !== undefined ? `QUALIFY id <= ${maxSize}` : '';
  await c.run(`CREATE OR REPLACE TABLE ${table} AS
    SELECT v, row_number() OVER (ORDER BY n DESC, v)::INTEGER AS id
    FROM (SELECT v, count(*) AS n FROM (${values}) WHERE v IS NOT NULL GROUP BY v HAVING count(*) >= ${minCount})
    ${limit}`);
  const r = await c.runAndReadAll(`SELECT v FROM ${table} ORDER BY id`);
  return r.getColumnsJS()[0]?.map(String) ?? [];
}
