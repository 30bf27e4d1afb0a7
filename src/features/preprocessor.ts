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
  denseKindOf,
  idKindOf,
  idsKindOf,
  kindOf,
  type FittedCategorical,
  type FittedDense,
  type FittedFeature,
  type FittedId,
  type FittedIds,
} from './kinds/index.js';
import { categoricalId } from './kinds/vocabulary.js';
import { validatePreprocessJson } from './preprocess-schema.js';

export type { FittedCategorical, FittedFeature };
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
  /** Model inputs that are a list of ids per row (input 'ids': multi). */
  readonly multiFeatures: FittedIds[];
  /** Model inputs that are dense columns (input 'dense': numeric), in the order of `denseNames`. */
  readonly denseFeatures: FittedDense[];
  readonly denseNames: string[];
  private readonly nulls: Set<string>;

  constructor(readonly json: PreprocessJson) {
    if (json.version !== PREPROCESS_VERSION)
      throw new MtrankError(`preprocess.json: expected version ${PREPROCESS_VERSION}, got ${json.version}`);
    const inputs = json.features.filter((f) => f.input);
    this.categoricalFeatures = inputs.filter((f): f is FittedId => kindOf(f).input === 'id');
    this.multiFeatures = inputs.filter((f): f is FittedIds => kindOf(f).input === 'ids');
    this.denseFeatures = inputs.filter((f): f is FittedDense => kindOf(f).input === 'dense');
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
    const e = (this.encoders ??= this.rowEncoders());
    // A kind's raw value: text, or the number it parses to (a bad number names the row and column).
    const raw = ({ column, numeric }: RawInput) => {
      const v = text(column);
      return numeric && v !== null ? parseNumber(v, column, where) : v;
    };
    const categorical = new Int32Array(
      e.id.map((x) => {
        const id = x.encode(raw(x));
        return id < 0 ? 0 : id;
      }),
    );
    const multi = e.ids.map((x) => Int32Array.from(x.encode(raw(x))));
    const dense = new Float32Array(this.denseNames.length);
    for (const x of e.dense) x.encode(raw(x), dense, x.at);
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

  /** Each input feature's kind encoder (built at the first row), with the column it reads and how. */
  private encoders?: ReturnType<Preprocessor['rowEncoders']>;
  private rowEncoders() {
    const input = (f: FittedFeature): RawInput => ({ column: f.column, numeric: kindOf(f).raw === 'number' });
    let at = 0;
    return {
      id: this.categoricalFeatures.map((f) => ({ ...input(f), encode: idKindOf(f).jsId(f, this.lookup(f)) })),
      ids: this.multiFeatures.map((f) => ({ ...input(f), encode: idsKindOf(f).jsIds(f, this.lookup(f)) })),
      dense: this.denseFeatures.map((f) => {
        const kind = denseKindOf(f);
        const x = { ...input(f), encode: kind.jsDense(f), at };
        at += kind.denseNames(f).length;
        return x;
      }),
    };
  }
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

/** Where a feature's raw value comes from: its column, read as text or as a number. */
interface RawInput {
  column: string;
  numeric: boolean;
}

export function denseNames(features: FittedFeature[]): string[] {
  return features
    .filter((f): f is FittedDense => f.input && kindOf(f).input === 'dense')
    .flatMap((f) => denseKindOf(f).denseNames(f));
}

/** Vocabulary size including the OOV slot 0. */
export function vocabSize(f: FittedId | FittedIds): number {
  return kindOf(f).vocabSize!(f);
}

export function parseNumber(v: string, column: string, where: { row?: number }): number {
  const x = Number(v.trim());
  if (!Number.isFinite(x))
    throw new MtrankError(placeMessage({ row: where.row, column }, `expected a finite number, got '${v}'`));
  return x;
}
