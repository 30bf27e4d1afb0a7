// Encoded rows drawn over the model's whole input space, for checking an export against the engine without
// the training data: every id of every table (the OOV id 0 often), bags of every length, normal dense values.
import type { EncodedSplit } from '../data/types.js';
import type { FeatureInputSpec } from '../models/layers.js';
import { Rng } from '../util/rng.js';

/** Id 0 (the OOV / missing slot) about one draw in eight, else uniform over the vocabulary. */
const OOV_SHARE = 0.125;

/**
 * `value`: also a business value per row (the expected-value form's input) — 0 about one row in sixteen, else
 * log-uniform over [0.01, 10⁴], each rounded to float32 so that the graph's float32 input carries it exactly.
 */
export function sampleEncodedRows(
  spec: FeatureInputSpec,
  maxLengths: readonly number[],
  rows: number,
  seed: number,
  value = false,
): EncodedSplit {
  const rng = new Rng(seed);
  const id = (vocab: number) => (vocab <= 1 || rng.float() < OOV_SHARE ? 0 : 1 + rng.int(vocab - 1));
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
    return { name: f.name, vocabSize: f.vocabSize, dim: f.dim, pooling: f.pooling, offsets, ids: Int32Array.from(ids) };
  });
  const D = spec.denseCount;
  return {
    rows,
    categorical,
    multi,
    dense: Float32Array.from({ length: rows * D }, () => rng.normal()),
    denseNames: Array.from({ length: D }, (_, j) => `d${j}`),
    labels: {},
    ...(value
      ? {
          value: Float64Array.from({ length: rows }, () =>
            rng.float() < 1 / 16 ? 0 : Math.fround(10 ** (6 * rng.float() - 2)),
          ),
        }
      : {}),
  };
}
