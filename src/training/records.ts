// Raw rows (column → value) encoded in JS with a saved run's preprocessing artifact: what predict and serving share.
import type { EncodedSplit } from '../data/types.js';
import { MtrankError } from '../util/errors.js';
import type { SavedRun } from './saved-run.js';

/**
 * Raw rows (column → value) encoded in JS with the run's preprocessing artifact into one split (no labels);
 * `encodeRows` (src/data/infer.ts) does the same through DuckDB for files and labelled rows.
 */
export function encodeRecords(run: SavedRun, rows: Record<string, unknown>[], file = 'input'): EncodedSplit {
  const p = run.preprocessor,
    n = rows.length,
    D = p.denseNames.length;
  const cats = p.categoricalFeatures,
    multis = p.multiFeatures;
  const catIds = cats.map(() => new Int32Array(n));
  const bags = multis.map(() => ({ offsets: new Int32Array(n + 1), ids: [] as number[] }));
  const dense = new Float32Array(n * D);
  rows.forEach((raw, r) => {
    let e;
    try {
      e = p.encodeRow(raw, { row: r + 1 });
    } catch (err) {
      throw err instanceof MtrankError ? new MtrankError(`${file}: ${err.message}`) : err;
    }
    e.categorical.forEach((id, k) => {
      catIds[k]![r] = id;
    });
    e.multi.forEach((ids, k) => {
      const b = bags[k]!;
      b.ids.push(...ids);
      b.offsets[r + 1] = b.ids.length;
    });
    dense.set(e.dense, r * D);
  });
  const spec = run.model.tasks;
  return {
    rows: n,
    categorical: cats.map((f, k) => ({ name: f.name, ids: catIds[k]!, vocabSize: 0, dim: f.dim })),
    multi: multis.map((f, k) => ({
      name: f.name,
      offsets: bags[k]!.offsets,
      ids: Int32Array.from(bags[k]!.ids),
      vocabSize: 0,
      dim: f.dim,
      pooling: f.pooling,
    })),
    dense,
    denseNames: p.denseNames,
    labels: Object.fromEntries(spec.map((t) => [t, new Uint8Array(0)])),
  };
}

/** Where a feature's IDs got their vectors: trained row, row appended from a pretrained file, or the OOV row. */
