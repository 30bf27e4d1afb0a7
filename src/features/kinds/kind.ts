/**
 * One feature kind (categorical, multi, numeric, bucketize, …) in one module: its fitted JSON and schema, how it is
 * fitted on the training split, how staging reads its raw column, which model input it feeds, its SQL and JS
 * encoders and its serving request field. The registry (./index.ts) lists the kinds; stages dispatch through it.
 */
import type { z } from 'zod';
import type { FeatureConfig } from '../../config/schema.js';
import type { DuckDBConnection } from '../../util/duckdb.js';

/** The keys every fitted feature carries. */
export interface FittedBase {
  name: string;
  column: string;
  input: boolean;
  group: boolean;
}

/** Where a fitted kind's values go: one id per row, a list of ids per row, or dense columns. */
export type ModelInput = 'id' | 'ids' | 'dense';

export interface FitContext {
  c: DuckDBConnection;
  rawTable: string;
  base: FittedBase;
  /** The row of aggregates from the one statistics scan (keys from `statistics`). */
  stats: Record<string, unknown>;
}

export interface FeatureKind<F extends FittedBase & { kind: string }, C extends FeatureConfig = FeatureConfig> {
  readonly kind: F['kind'];
  /** Whether a configured feature fits into this kind (the registry asks the kinds in order). */
  configures(f: FeatureConfig): f is C;
  /** The fitted JSON, checked whenever preprocess.json is read back. */
  readonly fitted: z.ZodObject;
  /** How staging keeps the raw column: as text, or parsed as a finite number. */
  readonly raw: 'text' | 'number';
  readonly input: ModelInput;
  /** Aggregates for the one statistics scan over the training split (`<name>:<key>` aliases). */
  statistics?(name: string, f: C, x: string): string[];
  fit(f: C, ctx: FitContext): Promise<F>;
  /** Embedded kinds (input 'id' or 'ids'): rows of the embedding table, the OOV/missing slot 0 included. */
  vocabSize?(f: F): number;
  /** The JSON Schema of the raw field in a serving request. */
  requestField(f: F): Record<string, unknown>;
}

/** A kind feeding one id per row: encoded in SQL as an expression (plus a join) and in JS by a per-value function. */
export interface IdKind<
  F extends FittedBase & { kind: string },
  C extends FeatureConfig = FeatureConfig,
> extends FeatureKind<F, C> {
  readonly input: 'id';
  /** SQL over the staged raw table `r`: the id expression, and a join it needs (alias given). */
  sqlId(f: F, alias: string): { expr: string; join?: string };
  /**
   * JS: raw value (text or number per `raw`; null = missing) → id; −1 marks a value sent but out of the
   * vocabulary (encoded as 0 and counted). `lookup` is the vocabulary's token → id map (null without one).
   */
  jsId(f: F, lookup: Map<string, number> | null): (v: string | number | null) => number;
}

/** What every list-of-ids input carries: the embedding bag's width, the longest list kept and how it pools. */
export interface FittedBag extends FittedBase {
  dim: number;
  maxLength: number;
  pooling: 'mean' | 'sum';
}

/** A kind feeding a list of ids per row (an embedding bag): SQL queries for the lists and their JS twin. */
export interface IdsKind<
  F extends FittedBag & { kind: string },
  C extends FeatureConfig = FeatureConfig,
> extends FeatureKind<F, C> {
  readonly input: 'ids';
  /**
   * SQL over the staged raw table `rawTable` (alias `r`), rows ordered by `r.<order>`: the number of ids per row
   * (`lengths`), and every row's ids in row then list order (`ids`).
   */
  sqlIds(f: F, rawTable: string, order: string): { lengths: string; ids: string };
  /** JS: raw value (text or number per `raw`; null = missing) → the row's ids, 0 = out of the vocabulary. */
  jsIds(f: F, lookup: Map<string, number> | null): (v: string | number | null) => number[];
}

/** A kind feeding dense columns: their names, one SQL expression each, and the JS twin writing them. */
export interface DenseKind<
  F extends FittedBase & { kind: string },
  C extends FeatureConfig = FeatureConfig,
> extends FeatureKind<F, C> {
  readonly input: 'dense';
  /** The dense columns it feeds, in order (the model's dense input is every dense feature's, concatenated). */
  denseNames(f: F): string[];
  /** SQL over `r`: one FLOAT expression per dense column. */
  sqlDense(f: F): string[];
  /** JS: raw value (text or number per `raw`; null = missing) → its denseNames(f).length values at out[at…]. */
  jsDense(f: F): (v: string | number | null, out: Float32Array, at: number) => void;
}
