// The registry of feature kinds: a new kind is a module beside this one and one entry in each list below.
import type { FeatureConfig } from '../../config/schema.js';
import { bucketize, type FittedBucketize } from './bucketize.js';
import { categorical, type FittedCategorical } from './categorical.js';
import type { DenseKind, FeatureKind, IdKind, IdsKind } from './kind.js';
import { multi, type FittedMulti } from './multi.js';
import { numeric, type FittedNumeric } from './numeric.js';

export type FittedFeature = FittedCategorical | FittedMulti | FittedNumeric | FittedBucketize;
export type FittedKind = FittedFeature['kind'];
/** The fitted kinds whose model input is one id per row, a list of ids per row, dense columns. */
export type FittedId = FittedCategorical | FittedBucketize;
export type FittedIds = FittedMulti;
export type FittedDense = FittedNumeric;

type Kinds = { [K in FittedKind]: FeatureKind<Extract<FittedFeature, { kind: K }>> };
// Asked in this order for a configured feature (bucketize before numeric: both come from `type: numeric`).
// Each kind is typed on its own fitted and config types; the records erase them (kindOf/idKindOf give them back).
const KINDS: Kinds = { categorical, multi, bucketize, numeric } as unknown as Kinds;
const ID_KINDS: { [K in FittedId['kind']]: IdKind<Extract<FittedId, { kind: K }>> } = {
  categorical,
  bucketize,
} as unknown as { [K in FittedId['kind']]: IdKind<Extract<FittedId, { kind: K }>> };
const IDS_KINDS: { [K in FittedIds['kind']]: IdsKind<Extract<FittedIds, { kind: K }>> } = { multi };
const DENSE_KINDS: { [K in FittedDense['kind']]: DenseKind<Extract<FittedDense, { kind: K }>> } = { numeric };

/** The fitted-JSON schemas, for the discriminated union of preprocess.json. */
export const FITTED_SCHEMAS = [categorical.fitted, multi.fitted, numeric.fitted, bucketize.fitted] as const;

export function kindOf<F extends FittedFeature>(f: F): FeatureKind<F> {
  return KINDS[f.kind] as unknown as FeatureKind<F>;
}

export function idKindOf<F extends FittedId>(f: F): IdKind<F> {
  return ID_KINDS[f.kind] as unknown as IdKind<F>;
}

export function idsKindOf<F extends FittedIds>(f: F): IdsKind<F> {
  return IDS_KINDS[f.kind] as unknown as IdsKind<F>;
}

export function denseKindOf<F extends FittedDense>(f: F): DenseKind<F> {
  return DENSE_KINDS[f.kind] as unknown as DenseKind<F>;
}

/** The kind a configured feature is fitted as (its `fit`/`statistics` take that configured feature). */
export function configuredKind(f: FeatureConfig): FeatureKind<FittedFeature> {
  const k = Object.values(KINDS).find((kind) => kind.configures(f));
  if (!k) throw new Error(`no feature kind for type '${f.type}'`);
  return k as unknown as FeatureKind<FittedFeature>;
}

export type { FittedBucketize, FittedCategorical, FittedMulti, FittedNumeric };

/** SELECT list + joins that encode the one-id-per-row features of a raw table `r` (aliases `<prefix><index>`). */
export function categoricalSelect(features: FittedId[], aliasPrefix = 'j'): { exprs: string[]; joins: string[] } {
  const exprs: string[] = [],
    joins: string[] = [];
  features.forEach((f, i) => {
    const { expr, join } = idKindOf(f).sqlId(f, `${aliasPrefix}${i}`);
    exprs.push(expr);
    if (join) joins.push(join);
  });
  return { exprs, joins };
}
