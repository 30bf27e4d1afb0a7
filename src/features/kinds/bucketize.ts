// A number cut at training-split quantiles, embedded: id = 1 + #{boundaries ≤ x}; missing → 0.
import { z } from 'zod';
import type { FeatureConfig, NumericFeatureConfig } from '../../config/schema.js';
import { ident } from '../../util/duckdb.js';
import { dbl, numCol } from '../sql.js';
import { base, count, finite } from './fitted-schema.js';
import type { FittedBase, IdKind } from './kind.js';

export interface FittedBucketize extends FittedBase {
  kind: 'bucketize';
  dim: number;
  boundaries: number[];
}

type Config = NumericFeatureConfig & { transform: 'bucketize' };

export const bucketize: IdKind<FittedBucketize, Config> = {
  kind: 'bucketize',
  configures: (f: FeatureConfig): f is Config => f.type === 'numeric' && f.transform === 'bucketize',
  fitted: z.looseObject({ kind: z.literal('bucketize'), ...base, dim: count, boundaries: z.array(finite) }),
  raw: 'number',
  input: 'id',

  statistics(name, f, x) {
    const qs = Array.from({ length: f.buckets - 1 }, (_, k) => (k + 1) / f.buckets);
    return qs.length ? [`quantile_cont(${x}, [${qs.join(', ')}]) AS ${ident(`${name}:b`)}`] : [];
  },

  fit(f, { base, stats }) {
    const raw = (stats[`${base.name}:b`] as (number | null)[] | null) ?? [];
    const boundaries = [...new Set(raw.filter((b): b is number => b !== null && Number.isFinite(b)))].sort(
      (a, b) => a - b,
    );
    return Promise.resolve({ ...base, kind: 'bucketize', dim: f.embeddingDim, boundaries });
  },

  sqlId(f) {
    const x = `r.${ident(numCol(f.column))}`;
    if (f.boundaries.length === 0) return { expr: `(CASE WHEN ${x} IS NULL THEN 0 ELSE 1 END)::INTEGER` };
    // Boundaries are sorted, so the first boundary above x gives the bucket.
    const whens = f.boundaries.map((b, i) => `WHEN ${x} < ${dbl(b)} THEN ${i + 1}`).join(' ');
    return { expr: `(CASE WHEN ${x} IS NULL THEN 0 ${whens} ELSE ${f.boundaries.length + 1} END)::INTEGER` };
  },

  jsId: (f) => (x) => bucketId(f, x as number | null),

  vocabSize: (f) => f.boundaries.length + 2,

  requestField: () => ({ type: ['number', 'null'] }),
};

export function bucketId(f: FittedBucketize, x: number | null): number {
  if (x === null) return 0;
  let id = 1;
  for (const b of f.boundaries) if (b <= x) id++;
  return id;
}
