// Shared by the export tests: random encoded rows (with OOV ids and empty/short bags) and an onnxruntime run.
import { runOnnxModel } from '../../src/export/onnxruntime.js';
import { sampleEncodedRows } from '../../src/export/sample-rows.js';

/** Random encoded rows over the whole input space (OOV ids, bags of every length). */
export const randomRows = sampleEncodedRows;

/** onnxruntime-node on a model (path or bytes). */
export const runOnnx = runOnnxModel;

/** Largest |a[i] − b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
