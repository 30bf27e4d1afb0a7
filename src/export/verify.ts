// `mtrank export --verify`: onnxruntime on model.onnx against mtrank's own engine on the same rows.
import { join } from 'node:path';
import { readOutputSpec, runOutputs } from '../fusion/outputs.js';
import { runPaths } from '../training/run-dir.js';
import { predictSplit } from '../training/evaluation.js';
import { inputSpec, loadSavedRun } from '../training/saved-run.js';
import { MtrankError } from '../util/errors.js';
import { encodedFeeds } from './feeds.js';
import { readArtifact } from './manifest.js';
import { runOnnxModel } from './onnxruntime.js';
import { sampleEncodedRows } from './sample-rows.js';

/**
 * The agreement an export promises per output: |onnxruntime − engine| / max(1, |engine|) — absolute for
 * probabilities and scores up to 1, relative for the larger scores of the expected-value form (value · Π p^w).
 */
export const EXPORT_TOLERANCE = 1e-5;

export interface VerifyResult {
  rows: number;
  /** Largest difference per ONNX output: absolute, relative where the engine's value exceeds 1. */
  maxAbsDiff: Record<string, number>;
}

/** The line `mtrank export --verify` prints: the largest difference over the outputs, against the tolerance. */
export function verifySummary(v: VerifyResult): string {
  const worst = Math.max(...Object.values(v.maxAbsDiff));
  return `verified with onnxruntime on ${v.rows} sampled rows: model.onnx matches mtrank within ${worst.toExponential(2)} (tolerance ${EXPORT_TOLERANCE.toExponential(0)}; relative where a score exceeds 1)`;
}

/**
 * Scores `rows` sampled rows (OOV ids, bags of every length; a business value per row when the graph takes one)
 * both ways; an error when any output differs.
 */
export async function verifyExport(dir: string, rows = 5000, seed = 1): Promise<VerifyResult> {
  const manifest = readArtifact(dir);
  const run = loadSavedRun(dir);
  const split = sampleEncodedRows(
    inputSpec(run.preprocessor),
    run.preprocessor.multiFeatures.map((f) => f.maxLength),
    rows,
    seed,
    manifest.onnx.inputs.some((i) => i.kind === 'value'),
  );
  const got = await runOnnxModel(join(dir, manifest.onnx.file), encodedFeeds(manifest.onnx.inputs, split));
  // The engine's outputs as mtrank predict gives them: calibrated per task, fused by the folder's fusion.json.
  const out = runOutputs(
    readOutputSpec(dir, runPaths(dir).fusion, run.model.tasks),
    predictSplit(run.model, split),
    split.value,
  );
  const expected: Record<string, ArrayLike<number>> = {};
  manifest.tasks.forEach((t, k) => (expected[t.output] = out.tasks[k]!));
  const scoreOut = manifest.onnx.outputs.find((o) => o.task === undefined);
  if (out.fused && scoreOut) expected[scoreOut.name] = out.fused;
  const maxAbsDiff: Record<string, number> = {};
  for (const [name, want] of Object.entries(expected)) {
    const have = got[name];
    if (!have || have.length !== rows)
      throw new MtrankError(`verify: model.onnx gives no ${rows} values for '${name}'`);
    let m = 0;
    for (let i = 0; i < rows; i++) {
      const d = Math.abs(have[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
      m = Number.isNaN(d) ? Infinity : Math.max(m, d);
    }
    maxAbsDiff[name] = m;
    if (!(m <= EXPORT_TOLERANCE))
      throw new MtrankError(
        `verify: model.onnx's ${name} differs from mtrank's by up to ${m} (tolerance ${EXPORT_TOLERANCE})`,
      );
  }
  return { rows, maxAbsDiff };
}
