// `loadRanker(path, { interactions })` / `mtrank serve --interactions LOG`: the loaded artifact with the new items
// of LOG appended to the item feature (inductive GraphSAGE vectors, src/training/inductive-items.ts), the same
// rows `mtrank predict` and `mtrank export --interactions` give them. Done again on every (re)load, so a grown
// log brings its new items in with the next reload.
import { createHash } from 'node:crypto';
import { runOnnx } from '../export/export.js';
import type { FittedCategorical } from '../features/preprocessor.js';
import { withInductiveItems } from '../training/inductive-items.js';
import type { LoadedArtifact } from './artifact.js';

export interface InductiveArtifact {
  artifact: LoadedArtifact;
  /** model.onnx rebuilt with the appended rows (when `onnx` was asked for and items were added), else null. */
  onnx: Uint8Array | null;
}

export async function withInductiveArtifact(
  a: LoadedArtifact,
  interactions: string,
  onnx: boolean,
): Promise<InductiveArtifact> {
  let ext;
  try {
    ext = await withInductiveItems(a.run, interactions);
  } catch (e) {
    a.run.model.store.release();
    throw e;
  }
  const { run, added, source } = ext;
  const feature = run.preprocessor.json.itemFeature!;
  const f = run.preprocessor.feature(feature) as FittedCategorical;
  const info = { ...a.info, inductive: { feature, items: f.pretrained?.inductive?.items ?? 0, added, ...source } };
  if (added > 0) {
    a.run.model.store.release();
    // The served model is the artifact and the log's items: its version says so.
    info.hash = createHash('sha256').update(`${a.info.hash}\0${source.sha256}`).digest('hex');
    info.version = info.hash.slice(0, 12);
  }
  // the graph is rebuilt with the artifact's calibration and fusion, as the export wrote them
  const o = a.outputs;
  const calibration = o.calibration ? run.model.tasks.map((t) => o.calibration!.tasks[t]!) : null;
  const bytes = onnx && added > 0 ? runOnnx(run, o.fusion, calibration).bytes : null;
  return { artifact: { ...a, run, info }, onnx: bytes };
}
