// `mtrank export RUN --out DIR`: a self-describing artifact folder. It holds the run's own files under their
// run-directory names (so `loadSavedRun(DIR)` loads it like a run), model.onnx and the model.json manifest. Written
// into a temporary sibling folder and renamed into place, so DIR is never seen half-written.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadSavedRun, inputSpec, type SavedRun } from '../training/saved-run.js';
import { saveFiniteCheckpoint } from '../training/checkpoints.js';
import { fingerprintArtifacts, writeRunRecord } from '../training/run-record.js';
import { runPaths } from '../training/run-dir.js';
import { readMetricsLog } from '../training/metrics-log.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';
import type { TaskCalibration } from '../fusion/calibration.js';
import { paramsFromRecord } from '../fusion/form-params.js';
import { readOutputSpec } from '../fusion/outputs.js';
import { resolveFusion } from './fusion-override.js';
import { buildOnnxModel, type FusionSpec } from './onnx-model.js';
import {
  MANIFEST_FILE,
  MANIFEST_VERSION,
  ONNX_FILE,
  contentHash,
  fileHashes,
  manifestFeatures,
  type Manifest,
} from './manifest.js';
import { OPSET, checkOnnxProto } from './onnx-builder.js';
import { mtrankVersion } from '../util/version.js';

export interface ExportOptions {
  /** `click=0.2,order=1`: weights overriding the run's fusion.json. */
  fusion?: string;
  /** linear | product: overrides the run's fusion form. */
  fusionForm?: string;
  /** Replace a non-empty `out`. */
  overwrite?: boolean;
}

export interface ExportResult {
  out: string;
  manifest: Manifest;
}

export function exportRun(runDir: string, out: string, opts: ExportOptions = {}): ExportResult {
  checkExport(runDir, out, opts);
  return writeExport(runDir, loadSavedRun(runDir), out, opts, null);
}

/** Refuses an export before the run is loaded: out is the run itself, or out is not empty, or no onnx-proto. */
export function checkExport(runDir: string, out: string, opts: ExportOptions): void {
  checkOnnxProto();
  if (resolve(runDir) === resolve(out)) throw new MtrankError(`export: --out ${out} is the run directory itself`);
  if (nonEmpty(out) && !opts.overwrite)
    throw new MtrankError(`export: ${out} exists and is not empty (pass --overwrite to replace it)`);
}

/**
 * Writes the export of `run` (loaded from runDir). With `inductive` the run carries items appended after
 * training: its preprocess.json and weights are written out (run.json's fingerprint of preprocess.json follows)
 * instead of copied.
 */
export function writeExport(
  runDir: string,
  run: SavedRun,
  out: string,
  opts: ExportOptions,
  inductive: Manifest['inductive'] | null,
): ExportResult {
  const src = runPaths(runDir);
  const tasks = run.model.tasks;
  // calibration.json (checked against the tasks and fusion.json): the graph applies it as mtrank predict does.
  const { calibration } = readOutputSpec(runDir, src.fusion, tasks);
  const calibrations = calibration ? tasks.map((t) => calibrationOf(calibration.tasks[t]!)) : null;
  const fusion = resolveFusion(src.fusion, tasks, { weights: opts.fusion, form: opts.fusionForm });
  const onnx = runOnnx(
    run,
    fusion
      ? {
          form: fusion.form,
          weights: tasks.map((t) => fusion.weights[t]!),
          probabilities: fusion.file.probabilities === 'calibrated' ? 'calibrated' : 'raw',
          params: paramsFromRecord(
            fusion.form,
            tasks,
            fusion.file.params,
            (why) => new MtrankError(`export: ${src.fusion}: ${why}`, undefined, 'data'),
          ),
        }
      : null,
    calibrations,
  );

  mkdirSync(dirname(resolve(out)), { recursive: true });
  const tmp = join(dirname(resolve(out)), `.${basename(out)}.tmp-${process.pid}-${Date.now()}`);
  try {
    const dst = runPaths(tmp);
    mkdirSync(tmp);
    cpSync(src.config, dst.config);
    for (const f of ['metrics', 'record'] as const) if (existsSync(src[f])) cpSync(src[f], dst[f]);
    if (inductive) writeExtendedRun(tmp, run);
    else {
      cpSync(src.preprocess, dst.preprocess);
      cpSync(src.model, dst.model, { recursive: true });
    }
    if (fusion) writeFileAtomic(dst.fusion, `${JSON.stringify(fusion.file, null, 2)}\n`);
    if (calibration) cpSync(join(runDir, CALIBRATION_FILE), join(tmp, CALIBRATION_FILE));
    writeFileAtomic(join(tmp, ONNX_FILE), onnx.bytes);

    const files = fileHashes(tmp);
    const labelWeights = runLabelWeights(src.metricsLog);
    const manifest: Manifest = {
      format: 'mtrank-model',
      version: MANIFEST_VERSION,
      mtrank: mtrankVersion(),
      createdAt: new Date().toISOString(),
      hash: contentHash(files),
      files,
      source: { run: resolve(runDir), finished: !run.unfinished },
      modelType: run.model.type,
      tasks: tasks.map((name, t) => ({
        name,
        output: onnx.io.outputs[t]!.name,
        ...(run.config.tasks[name]!.dependsOn ? { dependsOn: run.config.tasks[name]!.dependsOn } : {}),
        labelWeight: labelWeights?.[name] ?? null,
        calibration: calibrations?.[t] ?? null,
      })),
      fusion: fusion ? { form: fusion.form, weights: fusion.weights } : null,
      metrics: existsSync(src.metrics) ? (readJson(src.metrics).test as Record<string, unknown>) : null,
      features: manifestFeatures(run.config, run.preprocessor.json),
      onnx: { file: ONNX_FILE, opset: OPSET, ...onnx.io },
      ...(inductive ? { inductive } : {}),
    };
    writeFileAtomic(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    replaceFolder(tmp, out);
    return { out, manifest };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const CALIBRATION_FILE = 'calibration.json';

/** What the graph needs of a task's calibration (no ECE or reliability bins). */
function calibrationOf(c: TaskCalibration): NonNullable<Manifest['tasks'][number]['calibration']> {
  return {
    labelWeight: c.labelWeight,
    method: c.method,
    ...(c.method === 'platt' ? { platt: c.platt } : {}),
    ...(c.method === 'isotonic' ? { isotonic: c.isotonic } : {}),
  };
}

/**
 * The ONNX graph of a loaded run, with the fused score when `fusion` (weights in task order) is given and the
 * run's calibration per task (task order) when it has one.
 */
export function runOnnx(
  run: SavedRun,
  fusion: FusionSpec | null,
  calibration: Parameters<typeof buildOnnxModel>[3] = null,
): ReturnType<typeof buildOnnxModel> {
  const layout = {
    spec: inputSpec(run.preprocessor),
    maxLengths: run.preprocessor.multiFeatures.map((f) => f.maxLength),
    denseNames: run.preprocessor.denseNames,
  };
  return buildOnnxModel(run.model, layout, fusion, calibration);
}

/** The run's preprocessing and weights as they are in memory; run.json's fingerprint of preprocess.json follows. */
function writeExtendedRun(dir: string, run: SavedRun): void {
  const dst = runPaths(dir);
  run.preprocessor.save(dst.preprocess);
  saveFiniteCheckpoint(dst.model, run.model.store, null, run.step === null ? {} : { step: run.step });
  if (!run.record?.artifacts) return;
  const artifacts = { ...run.record.artifacts, ...fingerprintArtifacts(dir, ['preprocess.json']) };
  writeRunRecord(dst.record, { ...run.record, artifacts });
}

/** The label weights training used, from the run's metrics.jsonl (null when there is no log). */
function runLabelWeights(logPath: string): Record<string, number> | null {
  if (!existsSync(logPath)) return null;
  const rec = readMetricsLog(logPath).find((r) => r.type === 'labelWeights');
  return (rec?.weights as Record<string, number> | undefined) ?? null;
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

function nonEmpty(dir: string): boolean {
  if (!existsSync(dir)) return false;
  if (!statSync(dir).isDirectory()) throw new MtrankError(`export: ${dir} exists and is not a folder`);
  return readdirSync(dir).length > 0;
}

/** Puts the finished folder at `out`: an old one is moved aside first and removed once the new one is in place. */
function replaceFolder(tmp: string, out: string): void {
  if (!existsSync(out)) return renameSync(tmp, out);
  const old = `${tmp}.old`;
  renameSync(out, old);
  try {
    renameSync(tmp, out);
  } catch (e) {
    renameSync(old, out);
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
}
