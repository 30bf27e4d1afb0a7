// Assembles an ONNX model (protobuf, via the `onnx-proto` definition): named values, nodes, float/int64
// initializers, graph inputs and outputs with a symbolic batch axis. Knows nothing about mtrank's models.
// onnx-proto is an optional peer (its protobufjs has an install script): loaded by the first builder, so that
// importing mtrank, or this module for its constants, never needs it.
import { requireOptional } from '../util/optional-peer.js';

type Onnx = (typeof import('onnx-proto'))['onnx'];

let proto: Onnx | null = null;
/** onnx-proto's `onnx` namespace, or one line saying that writing model.onnx needs the package. */
function onnxProto(): Onnx {
  return (proto ??= requireOptional<typeof import('onnx-proto')>('onnx-proto', 'writing model.onnx').onnx);
}

/** Fails early (before a run is loaded) when onnx-proto is not installed. Returns nothing: no onnx-proto types. */
export function checkOnnxProto(): void {
  onnxProto();
}

/** The operator set the exported graphs are written against (ONNX 1.12+, onnxruntime ≥ 1.12). */
export const OPSET = 17;
/** ONNX IR version matching opset 17. */
const IR_VERSION = 8;
export const BATCH_AXIS = 'batch';

export type ElemType = 'float32' | 'float64' | 'int64';
/** ONNX element type codes (also the `to` of a Cast): `TensorProto.DataType` FLOAT, DOUBLE, INT64 of onnx.proto. */
export const ELEM: Readonly<Record<ElemType, number>> = { float32: 1, float64: 11, int64: 7 };

/** A dimension: a fixed size, or the symbolic batch axis. */
export type Dim = number | typeof BATCH_AXIS;
export type AttrValue = number | number[] | string;
/** Attributes whose numbers are floats (everything else numeric is written as an int). */
const FLOAT_ATTRS = new Set(['alpha', 'beta']);

export class OnnxBuilder {
  private readonly onnx = onnxProto();
  private readonly nodes: InstanceType<Onnx['NodeProto']>[] = [];
  private readonly initializers: InstanceType<Onnx['TensorProto']>[] = [];
  private readonly inputs: InstanceType<Onnx['ValueInfoProto']>[] = [];
  private readonly outputs: InstanceType<Onnx['ValueInfoProto']>[] = [];
  private readonly used = new Set<string>();
  private readonly reserved = new Set<string>();
  private counter = 0;

  /** A fresh value name (hint + counter), never reused. */
  fresh(hint: string): string {
    let name: string;
    do name = `${hint}_${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  input(name: string, type: ElemType, shape: readonly Dim[]): string {
    if (!this.reserved.delete(name)) this.claim(name);
    this.inputs.push(valueInfo(this.onnx, name, type, shape));
    return name;
  }

  /** Keeps a name for a later input or output, so that no value or initializer takes it meanwhile. */
  reserve(name: string): void {
    this.claim(name);
    this.reserved.add(name);
  }

  /** Declares `value` a graph output under `name` (through an Identity when the names differ). */
  output(name: string, value: string, type: ElemType, shape: readonly Dim[]): void {
    if (value !== name) {
      if (!this.reserved.delete(name)) this.claim(name);
      this.nodes.push(new this.onnx.NodeProto({ opType: 'Identity', input: [value], output: [name], name }));
    }
    this.outputs.push(valueInfo(this.onnx, name, type, shape));
  }

  /** A float32 initializer of the given shape (values copied). */
  floats(hint: string, shape: readonly number[], values: ArrayLike<number>): string {
    // A copy that owns its buffer (parameters are views into the shared wasm heap).
    const data = values instanceof Float32Array ? values.slice() : Float32Array.from(values);
    return this.initializer(hint, shape, 'float32', new Uint8Array(data.buffer));
  }

  /** A float64 initializer of the given shape (for steps that must round like JavaScript's numbers). */
  doubles(hint: string, shape: readonly number[], values: ArrayLike<number>): string {
    return this.initializer(hint, shape, 'float64', new Uint8Array(Float64Array.from(values).buffer));
  }

  int64s(hint: string, values: readonly number[]): string {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    return this.initializer(hint, [values.length], 'int64', new Uint8Array(data.buffer));
  }

  /** One node; returns its output names (`outputs` of them). */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputs = 1): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(op.toLowerCase()));
    this.nodes.push(
      new this.onnx.NodeProto({
        opType: op,
        input: [...inputs],
        output: out,
        name: out[0],
        attribute: Object.entries(attrs).map(([k, v]) => attribute(this.onnx, k, v)),
      }),
    );
    return out;
  }

  /** The single-output form of `node`. */
  op(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(op, inputs, attrs)[0]!;
  }

  encode(graphName: string, docString: string): Uint8Array {
    const model = new this.onnx.ModelProto({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'mtrank',
      docString,
      graph: new this.onnx.GraphProto({
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    return this.onnx.ModelProto.encode(model).finish();
  }

  private initializer(hint: string, shape: readonly number[], type: ElemType, raw: Uint8Array): string {
    const name = this.used.has(hint) ? this.fresh(hint) : (this.used.add(hint), hint);
    this.initializers.push(new this.onnx.TensorProto({ name, dims: [...shape], dataType: ELEM[type], rawData: raw }));
    return name;
  }

  private claim(name: string): void {
    if (this.used.has(name)) throw new Error(`onnx builder: the name '${name}' is already taken`);
    this.used.add(name);
  }
}

function valueInfo(onnx: Onnx, name: string, type: ElemType, shape: readonly Dim[]) {
  return new onnx.ValueInfoProto({
    name,
    type: {
      tensorType: {
        elemType: ELEM[type],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function attribute(onnx: Onnx, name: string, v: AttrValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return new onnx.AttributeProto({ name, type: A.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return new onnx.AttributeProto({ name, type: A.INTS, ints: v });
  if (FLOAT_ATTRS.has(name)) return new onnx.AttributeProto({ name, type: A.FLOAT, f: v });
  return new onnx.AttributeProto({ name, type: A.INT, i: v });
}
