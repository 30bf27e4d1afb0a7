// `mtrank export RUN --out DIR --interactions LOG`: the export with the new items of LOG appended to the item
// feature (inductive GraphSAGE vectors, src/training/inductive-items.ts), so model.onnx and the folder's own
// preprocess.json and weights score them exactly as `mtrank predict --interactions LOG` does.
import { withInductiveItems } from '../training/inductive-items.js';
import { loadSavedRun } from '../training/saved-run.js';
import { checkExport, writeExport, type ExportOptions, type ExportResult } from './export.js';

export async function exportRunWithInductive(
  runDir: string,
  out: string,
  interactions: string,
  opts: ExportOptions = {},
): Promise<ExportResult> {
  checkExport(runDir, out, opts);
  const run = loadSavedRun(runDir);
  const ext = await withInductiveItems(run, interactions);
  try {
    const feature = run.preprocessor.json.itemFeature!;
    return writeExport(runDir, ext.run, out, opts, { feature, items: ext.added, ...ext.source });
  } finally {
    if (ext.run !== run) ext.run.model.store.release();
    run.model.store.release();
  }
}
