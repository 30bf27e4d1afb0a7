// onnxruntime-node, loaded only when asked for: an optional package (~290 MB installed), never needed to export.
// The one loader for `export --verify` and the serving backend.
import { MtrankError } from '../util/errors.js';
import { importOptional } from '../util/optional-peer.js';
import type { Feed } from './feeds.js';

/** The onnxruntime-node module's type, in a type position only (mtrank's declarations never need the package). */
export type Ort = typeof import('onnxruntime-node');

let ort: Promise<Ort> | null = null;

/**
 * The onnxruntime-node module, or one line saying that `purpose` needs it (when it is not installed) or that it
 * is installed but does not load (a native binary missing for this platform, say).
 */
export function loadOnnxRuntime(purpose = 'running model.onnx'): Promise<Ort> {
  const loading = (ort ??= import('onnxruntime-node'));
  return importOptional(() => loading, 'onnxruntime-node', purpose).catch((e: unknown) => {
    ort = null;
    if (e instanceof MtrankError) throw e;
    throw new MtrankError(
      `${purpose}: onnxruntime-node is installed but does not load (${(e as Error).message.split('\n')[0]}); reinstall it with 'npm install onnxruntime-node'`,
    );
  });
}

/** Whether onnxruntime-node can be loaded here. */
export async function onnxRuntimeAvailable(): Promise<boolean> {
  return loadOnnxRuntime().then(
    () => true,
    () => false,
  );
}

/** Runs an ONNX model (file path or bytes) once on the feeds; every output as a Float32Array, by name. */
export async function runOnnxModel(
  model: string | Uint8Array,
  feeds: Record<string, Feed>,
): Promise<Record<string, Float32Array>> {
  const rt = await loadOnnxRuntime('verifying model.onnx');
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
