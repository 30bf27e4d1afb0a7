/**
 * Fit the preprocessing on the training split only: vocabularies by GROUP BY (count ≥ minCount, the most
 * frequent maxSize, ties by value), numeric statistics and quantile bucket boundaries — all in DuckDB.
 * A feature with pretrained vectors may get the file's other tokens appended (extendVocab).
 * The vocabulary tables stay registered for encoding.
 */
import type { ExperimentConfig, FeatureConfig } from '../config/schema.js';
import { groupFeatureName, itemFeatureName } from '../config/schema.js';
import { ident, queryRow, type DuckDBConnection } from '../util/duckdb.js';
import {
  PREPROCESS_VERSION,
  type FittedCategorical,
  type FittedFeature,
  type FittedLabel,
  type PreprocessJson,
} from './preprocessor.js';
import { attachPretrained } from './pretrained.js';
import { appendVocabulary, numCol, textCol, tokensExpr, vocabTable } from './sql.js';

export function featureColumn(name: string, f: FeatureConfig): string {
  return f.column ?? name;
}

export function fittedLabels(config: ExperimentConfig): FittedLabel[] {
  return Object.entries(config.tasks).map(([task, t]) => {
    if (typeof t.label === 'string') return { task, column: t.label };
    return {
      task,
      column: t.label.column,
      positive: t.label.positive?.map(String),
      negative: t.label.negative?.map(String),
      missing: t.label.missing?.map(String),
    };
  });
}

export async function fitPreprocessor(
  c: DuckDBConnection,
  config: ExperimentConfig,
  rawTable: string,
): Promise<PreprocessJson> {
  const stats = await numericStats(c, config, rawTable);
  const features: FittedFeature[] = [];
  for (const [name, f] of Object.entries(config.features)) {
    const column = featureColumn(name, f);
    const base = { name, column, input: f.input, group: f.group };
    if (f.type === 'categorical') {
      const vocab =
        f.hashBuckets !== undefined
          ? undefined
          : await fitVocabulary(
              c,
              name,
              `SELECT r.${ident(textCol(column))} AS v FROM ${rawTable} r`,
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
      features.push(fitted);
    } else if (f.type === 'multi-categorical') {
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
              name,
              `SELECT unnest(${tokensExpr(fitted)}) AS v FROM ${rawTable} r`,
              f.minCount,
              f.maxSize,
            );
      features.push({ ...fitted, vocab });
    } else if (f.transform === 'bucketize') {
      const raw = (stats[`${name}:b`] as (number | null)[] | null) ?? [];
      const boundaries = [...new Set(raw.filter((b): b is number => b !== null && Number.isFinite(b)))].sort(
        (a, b) => a - b,
      );
      features.push({ ...base, kind: 'bucketize', dim: f.embeddingDim, boundaries });
    } else {
      const num = (k: string) => (stats[`${name}:${k}`] as number | null) ?? 0;
      let shift = 0,
        scale = 1;
      if (f.transform === 'standardize' || f.transform === 'log-standardize') {
        shift = num('mean');
        scale = num('std') > 1e-12 ? num('std') : 1;
      } else if (f.transform === 'minmax') {
        shift = num('lo');
        scale = num('hi') - shift > 1e-12 ? num('hi') - shift : 1;
      }
      features.push({
        ...base,
        kind: 'numeric',
        transform: f.transform,
        default: f.default,
        missingIndicator: f.missingIndicator,
        shift,
        scale,
      });
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

/** Every numeric statistic in one scan of the training split (aggregates skip missing values). */
async function numericStats(
  c: DuckDBConnection,
  config: ExperimentConfig,
  rawTable: string,
): Promise<Record<string, unknown>> {
  const aggs: string[] = [];
  for (const [name, f] of Object.entries(config.features)) {
    if (f.type !== 'numeric') continue;
    const x = ident(numCol(featureColumn(name, f))),
      key = (k: string) => ident(`${name}:${k}`);
    if (f.transform === 'bucketize') {
      const qs = Array.from({ length: f.buckets - 1 }, (_, k) => (k + 1) / f.buckets);
      if (qs.length) aggs.push(`quantile_cont(${x}, [${qs.join(', ')}]) AS ${key('b')}`);
      continue;
    }
    const g = f.transform === 'log-standardize' ? `sign(${x}) * ln(1 + abs(${x}))` : x;
    aggs.push(
      `avg(${g}) AS ${key('mean')}`,
      `stddev_pop(${g}) AS ${key('std')}`,
      `min(${x}) AS ${key('lo')}`,
      `max(${x}) AS ${key('hi')}`,
    );
  }
  return aggs.length ? queryRow(c, `SELECT ${aggs.join(', ')} FROM ${rawTable}`) : {};
}

/** Build the vocabulary table (value → id, 1-based, most frequent first) and return its values in id order. */
async function fitVocabulary(
  c: DuckDBConnection,
  name: string,
  values: string,
  minCount: number,
  maxSize?: number,
): Promise<string[]> {
  const table = vocabTable({ name } as FittedFeature);
  const limit = maxSize !== undefined ? `QUALIFY id <= ${maxSize}` : '';
  await c.run(`CREATE OR REPLACE TABLE ${table} AS
    SELECT v, row_number() OVER (ORDER BY n DESC, v)::INTEGER AS id
    FROM (SELECT v, count(*) AS n FROM (${values}) WHERE v IS NOT NULL GROUP BY v HAVING count(*) >= ${minCount})
    ${limit}`);
  const r = await c.runAndReadAll(`SELECT v FROM ${table} ORDER BY id`);
  return r.getColumnsJS()[0]?.map(String) ?? [];
}
