/**
 * The fitted preprocessing artifact (`preprocess.json`): vocabularies, numeric statistics and bucket
 * boundaries learned from the training split, plus the label rules. Training encodes in DuckDB
 * (src/features/sql.ts); this class encodes single raw rows in plain JS for inference with exactly the same
 * arithmetic, so a raw row encodes the same at training and inference.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError, placeMessage } from '../util/errors.js';
import type { FittedPretrained } from './pretrained.js';
import { validatePreprocessJson } from './preprocess-schema.js';

export const PREPROCESS_VERSION = 1;

interface Base {
  name: string;
  column: string;
  input: boolean;
  group: boolean;
}
export interface FittedCategorical extends Base {
  kind: 'categorical';
  dim: number;
  role?: 'item';
  /** vocab[i] has id i+1 (0 = OOV/missing). Absent when hashing. */
  vocab?: string[];
  hashBuckets?: number;
  /** Pretrained vectors (the vocabulary may end with tokens appended from the file). */
  pretrained?: FittedPretrained;
}
export interface FittedMulti extends Base {
  kind: 'multi';
  dim: number;
  separator: string;
  maxLength: number;
  pooling: 'mean' | 'sum';
  vocab?: string[];
  hashBuckets?: number;
}
/** value = (g(x) − shift) / scale with g = identity, or sign(x)·ln(1+|x|) for log transforms. */
export interface FittedNumeric extends Base {
  kind: 'numeric';
  transform: 'none' | 'standardize' | 'log-standardize' | 'minmax';
  default: number;
  missingIndicator: boolean;
  shift: number;
  scale: number;
}
/** id = 1 + #{boundaries ≤ x}; missing → 0. */
export interface FittedBucketize extends Base {
  kind: 'bucketize';
  dim: number;
  boundaries: number[];
}
export type FittedFeature = FittedCategorical | FittedMulti | FittedNumeric | FittedBucketize;

export interface FittedLabel {
  task: string;
  column: string;
  positive?: string[];
  negative?: string[];
  /** Values meaning the task has no label on the row (staged as MISSING_LABEL). */
  missing?: string[];
}

export interface PreprocessJson {
  version: number;
  features: FittedFeature[];
  labels: FittedLabel[];
  nullValues: string[];
  itemFeature?: string;
  groupFeature?: string;
}

/** One raw row, encoded. Arrays follow the order of `categoricalNames`, `multiNames`, `denseNames`. */
export interface EncodedRow {
  categorical: Int32Array;
  multi: Int32Array[];
  dense: Float32Array;
  item?: number;
}

export class Preprocessor {
  /** Model inputs that are one id per row: categorical features and bucketized numerics. */
  readonly categoricalFeatures: (FittedCategorical | FittedBucketize)[];
  readonly multiFeatures: FittedMulti[];
  readonly numericFeatures: FittedNumeric[];
  readonly denseNames: string[];
  private readonly nulls: Set<string>;

  constructor(readonly json: PreprocessJson) {
    if (json.version !== PREPROCESS_VERSION)
      throw new MtrankError(`preprocess.json: expected version ${PREPROCESS_VERSION}, got ${json.version}`);
    const inputs = json.features.filter((f) => f.input);
    this.categoricalFeatures = inputs.filter(
      (f): f is FittedCategorical | FittedBucketize => f.kind === 'categorical' || f.kind === 'bucketize',
    );
    this.multiFeatures = inputs.filter((f): f is FittedMulti => f.kind === 'multi');
    this.numericFeatures = inputs.filter((f): f is FittedNumeric => f.kind === 'numeric');
    this.denseNames = denseNames(json.features);
    this.nulls = new Set(json.nullValues);
  }

  static load(path: string): Preprocessor {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new MtrankError(
        `${path}: cannot read the preprocessing artifact (${(e as Error).message})`,
        undefined,
        'data',
      );
    }
    return new Preprocessor(validatePreprocessJson(raw, path));
  }

  save(path: string): void {
    writeFileAtomic(path, JSON.stringify(this.json));
  }

  get categoricalNames(): string[] {
    return this.categoricalFeatures.map((f) => f.name);
  }
  get multiNames(): string[] {
    return this.multiFeatures.map((f) => f.name);
  }
  feature(name: string): FittedFeature | undefined {
    return this.json.features.find((f) => f.name === name);
  }

  /** Encode one raw row (column → value) exactly as training did. */
  encodeRow(row: Record<string, unknown>, where: { row?: number } = {}): EncodedRow {
    const nulls = this.nulls;
    const text = (column: string): string | null => {
      const v = row[column];
      if (v === null || v === undefined) return null;
      const s = String(v);
      return s === '' || nulls.has(s) ? null : s;
    };
    const categorical = new Int32Array(
      this.categoricalFeatures.map((f) => {
        const v = text(f.column);
        return f.kind === 'bucketize'
          ? bucketId(f, v === null ? null : parseNumber(v, f.column, where))
          : categoricalId(f, v, this.lookup(f));
      }),
    );
    const multi = this.multiFeatures.map((f) => {
      const v = text(f.column);
      const lookup = this.lookup(f);
      return Int32Array.from(splitTokens(v, f.separator, f.maxLength), (t) => categoricalId(f, t, lookup));
    });
    const dense = new Float32Array(this.denseNames.length);
    let j = 0;
    for (const f of this.numericFeatures) {
      const v = text(f.column);
      const x = v === null ? f.default : parseNumber(v, f.column, where);
      dense[j++] = numericValue(f, x);
      if (f.missingIndicator) dense[j++] = v === null ? 1 : 0;
    }
    const out: EncodedRow = { categorical, multi, dense };
    if (this.json.itemFeature) {
      const f = this.feature(this.json.itemFeature) as FittedCategorical;
      out.item = categoricalId(f, text(f.column), this.lookup(f));
    }
    return out;
  }

  /** Whether a raw text means "missing" ('' or one of the run's null values). */
  isNull(s: string): boolean {
    return s === '' || this.nulls.has(s);
  }

  private lookups = new Map<string, Map<string, number>>();
  /** A vocabulary feature's token → id map (null when the feature hashes). */
  lookup(f: FittedCategorical | FittedMulti): Map<string, number> | null {
    if (!f.vocab) return null;
    let m = this.lookups.get(f.name);
    if (!m) {
      m = new Map(f.vocab.map((v, i) => [v, i + 1]));
      this.lookups.set(f.name, m);
    }
    return m;
  }
}

export function denseNames(features: FittedFeature[]): string[] {
  const names: string[] = [];
  for (const f of features) {
    if (f.kind !== 'numeric' || !f.input) continue;
    names.push(f.name);
    if (f.missingIndicator) names.push(`${f.name}:missing`);
  }
  return names;
}

/** Vocabulary size including the OOV slot 0. */
export function vocabSize(f: FittedCategorical | FittedMulti | FittedBucketize): number {
  if (f.kind === 'bucketize') return f.boundaries.length + 2;
  return f.hashBuckets !== undefined ? f.hashBuckets + 1 : f.vocab!.length + 1;
}

export function categoricalId(
  f: FittedCategorical | FittedMulti,
  v: string | null,
  lookup: Map<string, number> | null,
): number {
  if (v === null) return 0;
  if (f.hashBuckets !== undefined) return hashBucket(v, f.hashBuckets);
  return lookup!.get(v) ?? 0;
}

/** 1 + (low 64 bits of md5(v)) mod n — the same as DuckDB's `1 + md5_number_lower(v) % n`. */
export function hashBucket(v: string, n: number): number {
  const digest = createHash('md5').update(v, 'utf8').digest();
  return 1 + Number(digest.readBigUInt64LE(8) % BigInt(n));
}

/** Split, drop empty tokens, keep the first maxLength (the order DuckDB's list functions use). */
export function splitTokens(v: string | null, separator: string, maxLength: number): string[] {
  if (v === null) return [];
  return v
    .split(separator)
    .filter((t) => t !== '')
    .slice(0, maxLength);
}

export function numericValue(f: FittedNumeric, x: number): number {
  const g = f.transform === 'log-standardize' ? Math.sign(x) * Math.log(1 + Math.abs(x)) : x;
  return (g - f.shift) / f.scale;
}

export function bucketId(f: FittedBucketize, x: number | null): number {
  if (x === null) return 0;
  let id = 1;
  for (const b of f.boundaries) if (b <= x) id++;
  return id;
}

export function parseNumber(v: string, column: string, where: { row?: number }): number {
  const x = Number(v.trim());
  if (!Number.isFinite(x))
    throw new MtrankError(placeMessage({ row: where.row, column }, `expected a finite number, got '${v}'`));
  return x;
}
