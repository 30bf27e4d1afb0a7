// Pretrained ID embeddings in the training pipeline: what the trainer calls around model creation, the
// optimizer steps and the test evaluation (docs/pretrain.md, "Integration").
//   featureSpec → withPretrainedGroups → createModel → loadPretrainedTables (copies the initial tables, gives
//   the freeze/finetune switch) → optimizers with pretrainedLrGroups → modes.beforeStep(step) before each step
//   → runColdStart on the test split.
import type { ExperimentConfig } from '../config/schema.js';
import type { ParamStore } from '../engine/params.js';
import type { FeatureInputSpec } from '../models/layers.js';
import type { FittedCategorical, Preprocessor } from '../features/preprocessor.js';
import { pretrainedFeatures, pretrainedInit } from '../features/pretrained.js';
import { MtrankError } from '../util/errors.js';
import { coldStartBreakdown, itemSeenFlags, type ColdStartBreakdown } from './cold-start.js';
import type { PretrainedCoverage } from '../features/vector-init.js';
import { pretrainedGroup, PretrainedModes, type OovMirror, type PretrainedTable } from './modes.js';

/**
 * Each pretrained feature's table in its own parameter group, so the embedding optimizer can scale its rate
 * (concat: the side table of pretrained vectors); and each categorical feature's `idDropout`.
 */
export function withPretrainedGroups(spec: FeatureInputSpec, features: ExperimentConfig['features']): FeatureInputSpec {
  return {
    ...spec,
    categorical: spec.categorical.map((f) => {
      const c = features[f.name];
      if (c?.type !== 'categorical') return f;
      const drop = c.idDropout ? { idDropout: c.idDropout } : {};
      const p = c.pretrained;
      if (!p) return { ...f, ...drop };
      // concat: the feature's own table stays a learned one; the pretrained vectors go to a side table.
      return p.mode === 'concat'
        ? { ...f, ...drop, side: { group: pretrainedGroup(f.name) } }
        : { ...f, ...drop, group: pretrainedGroup(f.name) };
    }),
  };
}

export interface LoadedPretrained {
  /** Call `modes.beforeStep(stepsDone)` before every optimizer step and `modes.afterStep()` after it. */
  modes: PretrainedModes;
  /** What was loaded, per feature (for the metrics log). */
  features: {
    feature: string;
    path: string;
    sha256: string;
    mode: string;
    tables: string[];
    coverage: PretrainedCoverage;
  }[];
}

/**
 * Copies each pretrained feature's initial table (rebuilt from its vector file and `seed`) into the model's
 * table(s) of that feature — every table in group pretrainedGroup(name), one per task for single-task models —
 * and returns the freeze/finetune switch. Call right after createModel (before loading a checkpoint to resume).
 */
export function loadPretrainedTables(
  store: ParamStore,
  pre: Preprocessor,
  config: Pick<ExperimentConfig, 'features' | 'seed'>,
  stepsPerEpoch: number,
): LoadedPretrained {
  const entries: PretrainedTable[] = [];
  const mirrors: OovMirror[] = [];
  const features: LoadedPretrained['features'] = [];
  const fitted = pretrainedFeatures(pre);
  for (const [name, f] of Object.entries(config.features)) {
    if (f.type === 'categorical' && f.pretrained && !fitted.some((x) => x.name === name))
      throw new MtrankError(
        `features.${name}: the config has pretrained vectors for this feature but the encoded data has none; re-encode`,
      );
  }
  for (const f of fitted) {
    const p = config.features[f.name];
    if (p?.type !== 'categorical' || !p.pretrained)
      throw new MtrankError(
        `features.${f.name}: the encoded data has pretrained vectors for this feature but the config has none; re-encode`,
      );
    const tables = store.tables().filter((t) => t.group === pretrainedGroup(f.name));
    if (tables.length === 0)
      throw new Error(
        `pretrained '${f.name}': no table in group ${pretrainedGroup(f.name)} (build the model from withPretrainedGroups)`,
      );
    const init = pretrainedInit(f, config.seed, p.pretrained.rescale);
    for (const t of tables) {
      if (t.vocab !== init.vocabSize || t.dim !== init.dim)
        throw new Error(
          `pretrained '${f.name}': table ${t.name} is ${t.vocab}×${t.dim}, the vectors ${init.vocabSize}×${init.dim}`,
        );
      t.data.set(init.data);
      entries.push({ table: t, mode: p.pretrained.mode, unfreezeAfter: p.pretrained.unfreezeAfter });
      if (p.pretrained.mode === 'concat') {
        // The learned table beside it: IDs appended from the file never train there, so they read its OOV row.
        const own = store.tables().find((x) => x.name === t.name.replace(/\.pretrained$/, ''));
        if (!own) throw new Error(`pretrained '${f.name}': no learned table beside ${t.name}`);
        mirrors.push({ table: own, from: f.pretrained.trainedVocab + 1 });
      }
    }
    features.push({
      feature: f.name,
      path: f.pretrained.path,
      sha256: f.pretrained.sha256,
      mode: p.pretrained.mode,
      tables: tables.map((t) => t.name),
      coverage: init.coverage,
    });
  }
  const modes = new PretrainedModes(entries, stepsPerEpoch, mirrors);
  modes.afterStep();
  return { modes, features };
}

/**
 * The test split's cold-start breakdown (metrics.json `coldStart`): seen = the row's item occurs among the
 * training rows' items. When the item feature's vocabulary was extended from its vector file, also the slice of
 * unseen rows whose item has an appended (pretrained) row. Undefined without an item feature.
 */
export function runColdStart(
  pre: Preprocessor,
  train: { item?: Int32Array },
  test: { item?: Int32Array; labels: Record<string, Uint8Array> },
  scores: Record<string, Float32Array>,
): ColdStartBreakdown | undefined {
  if (!train.item || !test.item) return undefined;
  const itemSeen = itemSeenFlags(train.item, test.item);
  const item = pre.json.itemFeature ? (pre.feature(pre.json.itemFeature) as FittedCategorical | undefined) : undefined;
  const p = item?.pretrained;
  const extended = p !== undefined && item!.vocab !== undefined && item!.vocab.length > p.trainedVocab;
  const pretrainedOnly = extended ? Uint8Array.from(test.item, (id) => (id > p.trainedVocab ? 1 : 0)) : undefined;
  return coldStartBreakdown({ scores, labels: test.labels, itemSeen, pretrainedOnly });
}
