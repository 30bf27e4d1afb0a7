// Raw rows (column → value) encoded in JS with a saved run's preprocessing artifact: what predict and serving share.
import type { EncodedSplit } from '../data/types.js';
import { encodeColumns } from '../features/column-encoder.js';
import { MtrankError } from '../util/errors.js';
import type { SavedRun } from './saved-run.js';

/**
 * Raw rows (column → value) encoded in JS with the run's preprocessing artifact into one split (no labels), column
 * by column (features/column-encoder.ts); `context` lies under every row (a row's own field wins). `encodeRows`
 * (src/data/infer.ts) does the same through DuckDB for files and labelled rows.
 */
export function encodeRecords(
  run: SavedRun,
  rows: readonly Record<string, unknown>[],
  file = 'input',
  context?: Record<string, unknown>,
): EncodedSplit & { oov: Map<string, number> } {
  const p = run.preprocessor;
  let e;
  try {
    e = encodeColumns(p, rows, context);
  } catch (err) {
    throw err instanceof MtrankError ? new MtrankError(`${file}: ${err.message}`) : err;
  }
  const spec = run.model.tasks;
  return {
    rows: e.rows,
    categorical: p.categoricalFeatures.map((f, k) => ({
      name: f.name,
      ids: e.categorical[k]!,
      vocabSize: 0,
      dim: f.dim,
    })),
    multi: p.multiFeatures.map((f, k) => ({
      name: f.name,
      offsets: e.multi[k]!.offsets,
      ids: e.multi[k]!.ids,
      vocabSize: 0,
      dim: f.dim,
      pooling: f.pooling,
    })),
    dense: e.dense,
    denseNames: p.denseNames,
    labels: Object.fromEntries(spec.map((t) => [t, new Uint8Array(0)])),
    oov: e.oov,
  };
}

/** Where a feature's IDs got their vectors: trained row, row appended from a pretrained file, or the OOV row. */
