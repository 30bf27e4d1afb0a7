// A finished run directory loaded back: its resolved config, preprocessing artifact and best model.
import { existsSync, readFileSync } from 'node:fs';
import { parseConfig, type ExperimentConfig } from '../config/index.js';
import { Preprocessor } from '../features/preprocessor.js';
import { createModel } from '../models/index.js';
import type { FeatureInputSpec } from '../models/layers.js';
import type { MultiTaskModel } from '../models/model.js';
import { vocabSize } from '../features/preprocessor.js';
import { MtrankError } from '../util/errors.js';
import { loadModelWeights } from './checkpoints.js';
import { runPaths } from './run-dir.js';
import { readRunRecord, verifyArtifact, type RunRecord } from './run-record.js';
import { withPretrainedGroups } from '../pretrain/pipeline.js';

export interface SavedRun {
  dir: string;
  config: ExperimentConfig;
  preprocessor: Preprocessor;
  model: MultiTaskModel;
  /** Provenance and data binding (null for runs made before run.json existed). */
  record: RunRecord | null;
  /** Training did not finish (killed, or still running): the model is the best checkpoint so far. */
  unfinished: boolean;
  /** The step of the loaded checkpoint. */
  step: number | null;
}

export function loadSavedRun(dir: string): SavedRun {
  const paths = runPaths(dir);
  if (!existsSync(paths.config))
    throw new MtrankError(`${dir}: not a run directory (no config.json; train one with 'mtrank train')`);
  const record = readRunRecord(paths.record);
  verifyArtifact(record, dir, 'config.json');
  verifyArtifact(record, dir, 'preprocess.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(paths.config, 'utf8'));
  } catch (e) {
    throw new MtrankError(`${paths.config}: damaged run config (${(e as Error).message}); retrain`, undefined, 'data');
  }
  const config = parseConfig(raw, [], { file: paths.config });
  const preprocessor = Preprocessor.load(paths.preprocess);
  const model = createModel(config, withPretrainedGroups(inputSpec(preprocessor), config.features));
  const extra = loadModelWeights(paths.model, model.store) as { step?: unknown } | undefined;
  const step = typeof extra?.step === 'number' ? extra.step : null;
  const unfinished = record ? record.finishedAt === undefined : !existsSync(paths.metrics);
  return { dir, config, preprocessor, model, record, unfinished, step };
}

/** The warning evaluate/predict print for an unfinished run, or null. */
export function unfinishedNote(run: SavedRun): string | null {
  if (!run.unfinished) return null;
  const at = run.step === null ? 'the best checkpoint so far' : `the best checkpoint so far (step ${run.step})`;
  return `warning: ${run.dir} is an unfinished run (training was interrupted or is still running); using ${at} in ${runPaths(run.dir).model}`;
}

/** The model's input layout from the preprocessing artifact (what training saw, without loading data). */
export function inputSpec(p: Preprocessor): FeatureInputSpec {
  return {
    categorical: p.categoricalFeatures.map((f) => ({ name: f.name, vocabSize: vocabSize(f), dim: f.dim })),
    multi: p.multiFeatures.map((f) => ({ name: f.name, vocabSize: vocabSize(f), dim: f.dim, pooling: f.pooling })),
    denseCount: p.denseNames.length,
  };
}
