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
import { withPretrainedGroups } from '../pretrain/pipeline.js';

export interface SavedRun {
  dir: string;
  config: ExperimentConfig;
  preprocessor: Preprocessor;
  model: MultiTaskModel;
}

export function loadSavedRun(dir: string): SavedRun {
  const paths = runPaths(dir);
  if (!existsSync(paths.config))
    throw new MtrankError(`${dir}: not a run directory (no config.json; train one with 'mtrank train')`);
  const config = parseConfig(JSON.parse(readFileSync(paths.config, 'utf8')), [], { file: paths.config });
  const preprocessor = Preprocessor.load(paths.preprocess);
  const model = createModel(config, withPretrainedGroups(inputSpec(preprocessor), config.features));
  loadModelWeights(paths.model, model.store);
  return { dir, config, preprocessor, model };
}

/** The model's input layout from the preprocessing artifact (what training saw, without loading data). */
export function inputSpec(p: Preprocessor): FeatureInputSpec {
  return {
    categorical: p.categoricalFeatures.map((f) => ({ name: f.name, vocabSize: vocabSize(f), dim: f.dim })),
    multi: p.multiFeatures.map((f) => ({ name: f.name, vocabSize: vocabSize(f), dim: f.dim, pooling: f.pooling })),
    denseCount: p.denseNames.length,
  };
}
