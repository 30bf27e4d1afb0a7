/**
 * Fit the preprocessing on the training split only, each feature by its kind (src/features/kinds/): vocabularies
 * by GROUP BY (count ≥ minCount, the most frequent maxSize, ties by value), numeric statistics and quantile bucket
 * boundaries — all in DuckDB, the statistics in one scan. A feature with pretrained vectors may get the file's
 * other tokens appended (extendVocab). The vocabulary tables stay registered for encoding.
 */
import type { ExperimentConfig, FeatureConfig } from '../config/schema.js';
import { groupFeatureName, itemFeatureName } from '../config/schema.js';
import { ident, queryRow, type DuckDBConnection } from '../util/duckdb.js';
import { configuredKind, type FittedFeature } from './kinds/index.js';
import { PREPROCESS_VERSION, type FittedLabel, type PreprocessJson } from './preprocessor.js';
import { numCol } from './sql.js';

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
    const base = { name, column: featureColumn(name, f), input: f.input, group: f.group };
    features.push(await configuredKind(f).fit(f, { c, rawTable, base, stats }));
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
  for (const [name, f] of Object.entries(config.features))
    aggs.push(...(configuredKind(f).statistics?.(name, f, ident(numCol(featureColumn(name, f)))) ?? []));
  return aggs.length ? queryRow(c, `SELECT ${aggs.join(', ')} FROM ${rawTable}`) : {};
}
