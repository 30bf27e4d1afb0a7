/** The encoded, columnar form of one split: what the trainer consumes (docs/architecture.md). */
export interface CategoricalColumn {
  name: string;
  ids: Int32Array;
  vocabSize: number;
  dim: number;
}
export interface MultiColumn {
  name: string;
  offsets: Int32Array;
  ids: Int32Array;
  vocabSize: number;
  dim: number;
  pooling: 'mean' | 'sum';
}

export interface EncodedSplit {
  rows: number;
  /** One id per row; 0 = out-of-vocabulary / missing. */
  categorical: CategoricalColumn[];
  /** Row r's ids are ids[offsets[r] .. offsets[r+1]). */
  multi: MultiColumn[];
  /** rows × denseNames.length, row-major. */
  dense: Float32Array;
  denseNames: string[];
  /** Per task, 0/1. */
  /** 0/1 per row and task; MISSING_LABEL where the task has no label on the row. */
  labels: Record<string, Uint8Array>;
  /** Grouping key for GAUC (dense ids per distinct raw value; 0 = missing). */
  group?: Int32Array;
  /** Item ids in the training vocabulary (0 = unseen: cold start). */
  item?: Int32Array;
  /** Per row business value, when scoring for a fusion form that multiplies it in (expected-value). */
  value?: Float64Array;
}

export type SplitName = 'train' | 'valid' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'valid', 'test'];

/** The staged label value of a row whose task has no label (`label: { column, missing: [...] }`). */
export const MISSING_LABEL = 255;
