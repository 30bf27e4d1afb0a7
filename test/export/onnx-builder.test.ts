import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { ELEM } from '../../src/export/onnx-builder.js';

describe('onnx-builder', () => {
  it("ELEM (written out so the module loads without onnx-proto) holds onnx.proto's element type codes", () => {
    const { DataType } = onnxProto.onnx.TensorProto;
    expect(ELEM).toEqual({ float32: DataType.FLOAT, float64: DataType.DOUBLE, int64: DataType.INT64 });
  });
});
