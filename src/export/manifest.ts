// model.json: what a client needs to know about an export folder without loading the model — tasks, fusion,
// features (context or candidate), the ONNX graph's inputs and outputs, and a content hash of the files.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { ExperimentConfig } from '../config/index.js';
import type { PreprocessJson } from '../features/preprocessor.js';
import type { TaskCalibration } from '../fusion/calibration.js';
import type { FusionForm } from '../fusion/forms.js';
import { MtrankError, dataError } from '../util/errors.js';
import type { OnnxIo } from './onnx-model.js';

export const MANIFEST_FILE = 'model.json';
export const ONNX_FILE = 'model.onnx';
export const MANIFEST_VERSION = 1;

export type FeatureScope = 'context' | 'candidate';

export interface ManifestFeature {
  name: string;
  /** The config's type: categorical | multi-categorical | numeric (bucketized numerics say so in `kind`). */
  type: string;
  /** The fitted encoder: categorical | multi | numeric | bucketize. */
  kind: string;
  column: string;
  /** A model input (false: kept only for grouping). */
  input: boolean;
  /** Per-request context (the same for every candidate of a request) or per-candidate. */
  scope: FeatureScope;
}

export interface ManifestTask {
  name: string;
  output: string;
  dependsOn?: string;
  /** The label weight training used (after `auto` was resolved); null when the run's log does not say. */
  labelWeight: number | null;
  /** The run's calibration of p_<task> (calibration.json: label-weight undo, then Platt or isotonic); null = none. */
  calibration: Pick<TaskCalibration, 'labelWeight' | 'method' | 'platt' | 'isotonic'> | null;
}

export interface Manifest {
  format: 'mtrank-model';
  version: typeof MANIFEST_VERSION;
  mtrank: string;
  createdAt: string;
  /** SHA-256 over the other files of the folder (sorted paths, each path and its SHA-256). */
  hash: string;
  files: Record<string, string>;
  /** The run exported; finished = false when training was interrupted (the best checkpoint so far). */
  source: { run: string; finished: boolean };
  modelType: string;
  tasks: ManifestTask[];
  fusion: { form: FusionForm; weights: Record<string, number> } | null;
  /** The run's test metrics (metrics.json `test`), per task. */
  metrics: Record<string, unknown> | null;
  features: ManifestFeature[];
  onnx: { file: string; opset: number } & OnnxIo;
  /**
   * Exported with `--interactions`: new items appended to the item feature with an inductive GraphSAGE vector
   * (this many by this export), and the log they came from (absolute path, SHA-256).
   */
  inductive?: { feature: string; items: number; log: string; sha256: string };
}

/** Default scope: the group feature (the request's user in a GAUC setup) is context, everything else candidate. */
export function featureScope(config: ExperimentConfig, name: string): FeatureScope {
  const f = config.features[name];
  return f?.scope ?? (f?.group ? 'context' : 'candidate');
}

export function manifestFeatures(config: ExperimentConfig, pre: PreprocessJson): ManifestFeature[] {
  return pre.features.map((f) => ({
    name: f.name,
    type: config.features[f.name]?.type ?? f.kind,
    kind: f.kind,
    column: f.column,
    input: f.input,
    scope: featureScope(config, f.name),
  }));
}

/** sha256 of every file under dir (but `skip`), by relative path with '/' separators. */
export function fileHashes(dir: string, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const rel = relative(dir, p).split(sep).join('/');
        if (!skip.includes(rel)) out[rel] = createHash('sha256').update(readFileSync(p)).digest('hex');
      }
    }
  };
  walk(dir);
  return out;
}

/** One hash for the folder's content: over the sorted (path, file hash) pairs. */
export function contentHash(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const path of Object.keys(files).sort()) h.update(`${path}\0${files[path]}\n`);
  return h.digest('hex');
}

/**
 * An export folder's manifest, after checking that every file it lists is there with its recorded SHA-256
 * and that the folder hash matches: a truncated or edited artifact is refused, naming the file.
 */
export function readArtifact(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch (e) {
    throw new MtrankError(`${path}: not an mtrank export (${(e as Error).message})`);
  }
  if (manifest.format !== 'mtrank-model' || typeof manifest.files !== 'object' || manifest.files === null)
    throw new MtrankError(`${path}: not an mtrank export manifest (format '${String(manifest.format)}')`);
  if (manifest.version !== MANIFEST_VERSION)
    throw new MtrankError(`${path}: manifest version ${manifest.version}, this mtrank reads ${MANIFEST_VERSION}`);
  const actual = fileHashes(dir, [MANIFEST_FILE]);
  for (const [file, hash] of Object.entries(manifest.files)) {
    if (!(file in actual)) throw dataError(`${dir}: ${file} is missing (listed in ${MANIFEST_FILE})`);
    if (actual[file] !== hash) throw dataError(`${dir}: ${file} does not match its SHA-256 in ${MANIFEST_FILE}`);
  }
  if (contentHash(manifest.files) !== manifest.hash)
    throw dataError(`${path}: the folder hash does not match the listed files`);
  return manifest;
}
