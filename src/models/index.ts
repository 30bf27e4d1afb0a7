// Model registry: `model.type` → the class that builds it.
import { ParamStore } from '../engine/params.js';
import { groupFeatureName, itemFeatureName, type ExperimentConfig } from '../config/schema.js';
import type { EncodedSplit } from '../data/types.js';
import type { FeatureInputSpec } from './layers.js';
import type { ModelContext, ModelType, MultiTaskModel } from './model.js';
import { SharedBottom } from './shared-bottom.js';
import { SingleTask } from './single-task.js';
import { MMoE } from './mmoe.js';
import { PLE } from './ple.js';
import { ESMM } from './esmm.js';
import { Rng } from '../util/rng.js';

export { MultiTaskModel } from './model.js';
export { SharedBottom, SingleTask, MMoE, PLE, ESMM };

const MODELS: Record<ModelType, new (ctx: ModelContext) => MultiTaskModel> = {
  'shared-bottom': SharedBottom,
  'single-task': SingleTask,
  mmoe: MMoE,
  ple: PLE,
  esmm: ESMM,
};

/** The model's input layout from an encoded split (same for every split of a run). */
export function featureSpec(split: EncodedSplit): FeatureInputSpec {
  return {
    categorical: split.categorical.map(({ name, vocabSize, dim }) => ({ name, vocabSize, dim })),
    multi: split.multi.map(({ name, vocabSize, dim, pooling }) => ({ name, vocabSize, dim, pooling })),
    denseCount: split.denseNames.length,
  };
}

/**
 * A freshly initialised model (seeded: parameters draw from `seed`'s 'init' stream). With the features and
 * data sections, the group and item features are the dot interaction's default fields.
 */
export function createModel(
  config: Pick<ExperimentConfig, 'model' | 'tasks' | 'seed'> & Partial<Pick<ExperimentConfig, 'features' | 'data'>>,
  features: FeatureInputSpec,
): MultiTaskModel {
  const tasks = Object.entries(config.tasks).map(([name, t]) => ({ name, dependsOn: t.dependsOn }));
  const store = new ParamStore(new Rng(config.seed).fork('init'));
  const roles =
    config.features && config.data
      ? { user: groupFeatureName(config as ExperimentConfig), item: itemFeatureName(config as ExperimentConfig) }
      : {};
  return new MODELS[config.model.type]({ features, tasks, config: config.model, store, roles });
}
