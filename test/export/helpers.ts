// Shared by the export tests: random encoded rows (with OOV ids and empty/short bags) and an onnxruntime run.
import type { EncodedSplit } from '../../src/data/types.js';
import type { FeatureInputSpec } from '../../src/models/layers.js';
import type { Feed } from '../../src/export/feeds.js';
import { Rng } from '../../src/util/rng.js';

/**
 * `rows` rows of random ids over each field's whole vocabulary (id 0, the OOV slot, about one row in eight),
 * bags of 0..maxLength ids (OOV ids inside bags too), standard normal dense values.
 */
export function randomRows(
  spec: FeatureInputSpec,
  maxLengths: readonly number[],
  rows: number,
  seed: number,
): EncodedSplit {
  const rng = new Rng(seed);
  const id = (vocab: number) => (rng.float() < 0.125 ? 0 : 1 + rng.int(vocab - 1));
  const categorical = spec.categorical.map((f) => ({
    name: f.name,
    ids: Int32Array.from({ length: rows }, () => id(f.vocabSize)),
    vocabSize: f.vocabSize,
    dim: f.dim,
  }));
  const multi = (spec.multi ?? []).map((f, k) => {
    const offsets = new Int32Array(rows + 1),
      ids: number[] = [];
    for (let r = 0; r < rows; r++) {
      const len = rng.int(maxLengths[k]! + 1);
      for (let j = 0; j < len; j++) ids.push(id(f.vocabSize));
      offsets[r + 1] = ids.length;
    }
    return { ...f, offsets, ids: Int32Array.from(ids) };
  });
  const D = spec.denseCount;
  return {
    rows,
    categorical,
    multi,
    dense: Float32Array.from({ length: rows * D }, () => rng.normal()),
    denseNames: Array.from({ length: D }, (_, j) => `d${j}`),
    labels: {},
  };
}

/** Runs an ONNX model (bytes or path) on the feeds with onnxruntime-node; outputs as Float32Arrays by name. */
export async function runOnnx(
  model: Uint8Array | string,
  feeds: Record<string, Feed>,
): Promise<Record<string, Float32Array>> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(model as Uint8Array);
  try {
    const input = Object.fromEntries(
      Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor(f.dtype, f.data, f.dims)]),
    );
    const out = await session.run(input);
    return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, t.data as Float32Array]));
  } finally {
    await session.release();
  }
}

/** Largest |a[i] − b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
