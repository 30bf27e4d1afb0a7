// What a ranker loads: a run directory or an export folder (the same files, plus model.onnx and model.json).
// Loading checks everything a request would otherwise trip over later, so a broken artifact is refused at once.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readArtifact, type Manifest } from '../export/manifest.js';
import type { FusionForm } from '../fusion/forms.js';
import { nonFiniteParameter } from '../training/checkpoints.js';
import { readOutputSpec, type OutputSpec } from '../fusion/outputs.js';
import { runPaths } from '../training/run-dir.js';
import { loadSavedRun, type SavedRun } from '../training/saved-run.js';
import { MtrankError } from '../util/errors.js';

export interface ModelInfo {
  /** The first 12 hex digits of the hash. */
  version: string;
  /** SHA-256 over the files the model is made of (an export's model.json `hash`). */
  hash: string;
  tasks: string[];
  fusion: { form: FusionForm; weights: Record<string, number> } | null;
  /** What `score` is: 'fusion' (the fused score), or `task:<name>` (the first task's probability, no fusion yet). */
  scoreSource: string;
  /** Task probabilities are calibrated by the run's calibration.json (as mtrank predict outputs them). */
  calibrated: boolean;
  /** The item feature's column (returned as `id` by rank), when the run has one. */
  idColumn?: string;
  /**
   * Loaded with `interactions`: the item feature's inductive rows (`items` in all, `added` from this log; an
   * export made with --interactions brings its own) and the log (absolute path, SHA-256).
   */
  inductive?: { feature: string; items: number; added: number; log: string; sha256: string };
}

export interface LoadedArtifact {
  run: SavedRun;
  /** model.json of an export folder (checked against its SHA-256s), or null for a run directory. */
  manifest: Manifest | null;
  info: ModelInfo;
  /** Calibration and fusion: raw model probabilities → what the ranker returns. */
  outputs: OutputSpec;
}

export function loadArtifact(dir: string): LoadedArtifact {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new MtrankError(`${dir}: no such model directory (train with 'mtrank train' or export with 'mtrank export')`);
  // An export folder is checked file by file against its manifest before anything is loaded.
  const manifest = existsSync(join(dir, 'model.json')) ? readArtifact(dir) : null;
  let run: SavedRun;
  try {
    run = loadSavedRun(dir);
  } catch (e) {
    if (e instanceof MtrankError) throw e;
    throw new MtrankError(`${dir}: cannot load the model (${(e as Error).message})`);
  }
  const bad = nonFiniteParameter(run.model.store);
  if (bad) {
    run.model.store.release();
    throw new MtrankError(`${dir}: parameter '${bad}' holds NaN or Inf; refusing to serve it`);
  }
  const tasks = run.model.tasks;
  // Calibrated runs serve calibrated probabilities, exactly as mtrank predict outputs them (fusion/outputs.ts).
  let outputs: OutputSpec;
  try {
    outputs = readOutputSpec(dir, runPaths(dir).fusion, tasks);
  } catch (e) {
    run.model.store.release();
    throw e instanceof MtrankError ? e : new MtrankError(`${runPaths(dir).fusion}: ${(e as Error).message}`);
  }
  const fusion = outputs.fusion;
  const hash = manifest?.hash ?? contentHash(dir);
  const info: ModelInfo = {
    version: hash.slice(0, 12),
    hash,
    tasks,
    fusion: fusion && { form: fusion.form, weights: Object.fromEntries(tasks.map((t, i) => [t, fusion.weights[i]!])) },
    scoreSource: fusion ? 'fusion' : `task:${tasks[0]}`,
    calibrated: outputs.calibration !== null,
  };
  const item = run.preprocessor.json.itemFeature;
  if (item) info.idColumn = run.preprocessor.feature(item)?.column;
  return { run, manifest, info, outputs };
}

/** A run directory's SHA-256 over config, preprocessing, weights and fusion (name and bytes, fixed order). */
function contentHash(dir: string): string {
  const p = runPaths(dir);
  const files = [p.config, p.preprocess, p.fusion, join(dir, 'calibration.json')];
  if (existsSync(p.model))
    for (const f of readdirSync(p.model).sort()) if (!f.includes('.tmp-')) files.push(join(p.model, f));
  const h = createHash('sha256');
  for (const f of files) {
    if (!existsSync(f)) continue;
    h.update(f.slice(dir.length) + '\0');
    h.update(readFileSync(f));
  }
  return h.digest('hex');
}
