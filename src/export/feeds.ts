// Encoded rows → the exported graph's input tensors, driven only by the manifest's `onnx.inputs`, so any
// client (tests, the onnxruntime serving backend) builds them the same way. Plain typed arrays: wrap them in
// the runtime's tensor type (e.g. `new ort.Tensor(f.dtype, f.data, f.dims)`).
import type { EncodedSplit } from '../data/types.js';
import { MtrankError } from '../util/errors.js';
import type { OnnxInput } from './onnx-model.js';

export interface Feed {
  dtype: 'int64' | 'float32';
  data: BigInt64Array | Float32Array;
  dims: number[];
}

/** One feed per graph input for all rows of `split` (multi-categorical bags padded to the input's width). */
export function encodedFeeds(inputs: readonly OnnxInput[], split: EncodedSplit): Record<string, Feed> {
  const n = split.rows,
    feeds: Record<string, Feed> = {};
  for (const input of inputs) {
    if (input.kind === 'dense') {
      const D = input.shape[1] as number;
      if (split.denseNames.length !== D)
        throw new MtrankError(`input '${input.name}': ${split.denseNames.length} dense columns, the model has ${D}`);
      feeds[input.name] = { dtype: 'float32', data: split.dense.subarray(0, n * D), dims: [n, D] };
    } else if (input.kind === 'value') {
      // The expected-value form's business value (EncodedSplit.value: outputValue read it from the rows).
      if (!split.value || split.value.length < n)
        throw new MtrankError(
          `input '${input.name}': the expected-value score needs the business value '${input.column}' of every row; the rows carry none`,
        );
      feeds[input.name] = { dtype: 'float32', data: Float32Array.from(split.value.subarray(0, n)), dims: [n] };
    } else if (input.kind === 'categorical') {
      const col = split.categorical.find((c) => c.name === input.feature);
      if (!col) throw new MtrankError(`input '${input.name}': no categorical column '${input.feature}' in the rows`);
      feeds[input.name] = { dtype: 'int64', data: BigInt64Array.from(col.ids.subarray(0, n), BigInt), dims: [n] };
    } else {
      const col = split.multi.find((c) => c.name === input.feature);
      if (!col)
        throw new MtrankError(`input '${input.name}': no multi-categorical column '${input.feature}' in the rows`);
      feeds[input.name] = padBags(input, col.offsets, col.ids, n);
    }
  }
  return feeds;
}

function padBags(input: OnnxInput, offsets: Int32Array, ids: Int32Array, n: number): Feed {
  const L = input.shape[1] as number,
    data = new BigInt64Array(n * L).fill(BigInt(input.padding ?? -1));
  for (let r = 0; r < n; r++) {
    const start = offsets[r]!,
      len = offsets[r + 1]! - start;
    if (len > L)
      throw new MtrankError(`input '${input.name}': row ${r} has ${len} ids, more than the model's maxLength ${L}`);
    for (let k = 0; k < len; k++) data[r * L + k] = BigInt(ids[start + k]!);
  }
  return { dtype: 'int64', data, dims: [n, L] };
}
