/**
 * The fitted preprocessing artifact (`preprocess.json`): vocabularies, numeric statistics and bucket
 * boundaries learned from the training split, plus the label rules. Training encodes in DuckDB (each kind's
 * SQL in src/features/kinds/); this class encodes single raw rows in plain JS for inference with exactly the same
 * arithmetic (each kind's JS twin), so a raw row encodes the same at training and inference.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError, placeMessage } from '../util/errors.js';
import {
  idKindOf,
  kindOf,
  type FittedBucketize,
  type FittedCategorical,
  type FittedFeature,
  type FittedId,
  type FittedMulti,
  type FittedNumeric,
} from './kinds/index.js';
import { numericValue } from './kinds/numeric.js';
import { splitTokens } from './kinds/multi.js';
import { categoricalId } from './kinds/vocabulary.js';
import { validatePreprocessJson } from './preprocess-schema.js';

export type { FittedBucketize, FittedCategorical, FittedFeature, FittedMulti, FittedNumeric };
export { hashBucket } from './kinds/vocabulary.js';

export const PREPROCESS_VERSION = 1;

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
  /** Model inputs that are one id per row (kinds with input 'id': categorical, bucketize). */
  readonly categoricalFeatures: FittedId[];
  readonly multiFeatures: FittedMulti[];
  readonly numericFeatures: FittedNumeric[];
  readonly denseNames: string[];
  private readonly nulls: Set<string>;

  constructor(readonly json: PreprocessJson) {
    if (json.version !== PREPROCESS_VERSION)
      throw new MtrankError(`preprocess.json: expected version ${PREPROCESS_VERSION}, got ${json.version}`);
    const inputs = json.features.filter((f) => f.input);
    this.categoricalFeatures = inputs.filter((f): f is FittedId => kindOf(f).input === 'id');
    this.multiFeatures = inputs.filter((f): f is FittedMulti => kindOf(f).input === 'ids');
    this.numericFeatures = inputs.filter((f): f is FittedNumeric => kindOf(f).input === 'dense');
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
    const encoders = (this.idEncoders ??= this.categoricalFeatures.map((f) => {
      const kind = idKindOf(f);
      return { numeric: kind.raw === 'number', id: kind.jsId(f, this.lookup(f)) };
    }));
    const categorical = new Int32Array(
      this.categoricalFeatures.map((f, k) => {
        const v = text(f.column),
          e = encoders[k]!;
        const id = e.id(e.numeric && v !== null ? parseNumber(v, f.column, where) : v);
        return id < 0 ? 0 : id;
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

  /** Per `categoricalFeatures` entry: its kind's value → id function (built at the first row). */
  private idEncoders?: { numeric: boolean; id: (v: string | number | null) => number }[];
  private lookups = new Map<string, Map<string, number>>();
  /** A vocabulary feature's token → id map (null when the feature hashes or has no vocabulary). */
  lookup(f: FittedFeature): Map<string, number> | null {
    if (!('vocab' in f) || !f.vocab) return null;
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
  return kindOf(f).vocabSize!(f);
}

export function parseNumber(v: string, column: string, where: { row?: number }): number {
  const x = Number(v.trim());
  if (!Number.isFinite(x))
    throw new MtrankError(placeMessage({ row: where.row, column }, `expected a finite number, got '${v}'`));
  return x;
}
