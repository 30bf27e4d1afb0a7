// Scoring with onnxruntime-node on an export's model.onnx. onnxruntime-node is an optional peer (≈290 MB
// installed), so it is imported only when this backend is asked for.
import { join } from 'node:path';
import type { EncodedSplit } from '../data/types.js';
import { encodedFeeds } from '../export/feeds.js';
import type { Manifest } from '../export/manifest.js';
import { loadOnnxRuntime, type Ort } from '../export/onnxruntime.js';
import { MtrankError } from '../util/errors.js';
import type { ScoringBackend } from './engine-backend.js';

/** `model`: the graph's bytes to use instead of the folder's model.onnx (rebuilt with inductive items). */
export async function onnxBackend(
  dir: string,
  manifest: Manifest,
  tasks: readonly string[],
  model: Uint8Array | null = null,
): Promise<ScoringBackend> {
  const ort = await loadOnnxRuntime("backend 'onnxruntime'");
  let session: Awaited<ReturnType<Ort['InferenceSession']['create']>>;
  try {
    // One intra-op thread: the server's parallelism is across requests (and a loaded 2-core machine).
    const opts = { intraOpNumThreads: 1 };
    session = await (model
      ? ort.InferenceSession.create(model, opts)
      : ort.InferenceSession.create(join(dir, manifest.onnx.file), opts));
  } catch (e) {
    throw new MtrankError(`${join(dir, manifest.onnx.file)}: onnxruntime cannot load it (${(e as Error).message})`);
  }
  const outputs = tasks.map((t) => {
    const o = manifest.onnx.outputs.find((x) => x.task === t);
    if (!o) throw new MtrankError(`${dir}: model.json has no ONNX output for task '${t}'`);
    return o.name;
  });
  // The graph applies calibration and fusion itself (export/onnx-model.ts); without fusion, score = first task.
  const scoreName = manifest.onnx.outputs.find((o) => o.task === undefined)?.name;
  const fetches = scoreName ? [...outputs, scoreName] : outputs;
  return {
    name: 'onnxruntime',
    predict: async (split: EncodedSplit) => {
      const feeds = encodedFeeds(manifest.onnx.inputs, split);
      const input = Object.fromEntries(
        Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor(f.dtype, f.data, f.dims)]),
      );
      const out = await session.run(input, fetches);
      const tasks = outputs.map((name) => out[name]!.data as Float32Array);
      return { tasks, score: Float64Array.from(scoreName ? (out[scoreName]!.data as Float32Array) : tasks[0]!) };
    },
    close: () => void session.release(),
  };
}
