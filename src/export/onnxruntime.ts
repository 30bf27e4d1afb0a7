// onnxruntime-node, loaded only when asked for: it is an optional peer (~290 MB), never needed to export.
import { MtrankError } from '../util/errors.js';
import type { Feed } from './feeds.js';

type Ort = typeof import('onnxruntime-node');

let ort: Promise<Ort> | null = null;

/** The onnxruntime-node module, or a clear error when it is not installed. */
export function loadOnnxRuntime(): Promise<Ort> {
  ort ??= import('onnxruntime-node').catch((e: unknown) => {
    ort = null;
    throw new MtrankError(
      `onnxruntime-node is not available (${(e as Error).message.split('\n')[0]}); install it with 'npm install onnxruntime-node'`,
    );
  });
  return ort;
}

/** Runs an ONNX model (file path or bytes) once on the feeds; every output as a Float32Array, by name. */
export async function runOnnxModel(
  model: string | Uint8Array,
  feeds: Record<string, Feed>,
): Promise<Record<string, Float32Array>> {
  const rt = await loadOnnxRuntime();
  const session = await rt.InferenceSession.create(model as Uint8Array);
  try {
    const input = Object.fromEntries(
      Object.entries(feeds).map(([name, f]) => [name, new rt.Tensor(f.dtype, f.data, f.dims)]),
    );
    const out = await session.run(input);
    return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, t.data as Float32Array]));
  } finally {
    await session.release();
  }
}
