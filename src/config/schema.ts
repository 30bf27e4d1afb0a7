/**
 * The experiment config: one zod schema for data, features, tasks, model, training and fusion.
 * Tasks and features are maps keyed by name so `--set tasks.order.labelWeight=100` addresses them by path.
 * Every section is strict: an unknown key is an error naming the closest valid key (load.ts). The enums
 * (model types, activations, optimizers, fusion forms/searches/objectives) are declared here once; the
 * registries (src/models, src/weighting, src/fusion), benchmarks and `mtrank schema` reuse them.
 */
import { z } from 'zod';
import { lossWeightingSchema } from './loss-weighting.js';

export const MODEL_TYPES = ['shared-bottom', 'single-task', 'mmoe', 'ple', 'esmm'] as const;
export const ACTIVATIONS = ['relu', 'leaky-relu', 'gelu', 'tanh', 'sigmoid'] as const;
export const OPTIMIZERS = ['sgd', 'adam', 'adagrad'] as const;
export const FUSION_FORMS = ['linear', 'product'] as const;
export const FUSION_SEARCHES = ['grid', 'coordinate', 'random'] as const;
export const FUSION_OBJECTIVES = ['auc', 'gauc', 'weighted-auc'] as const;

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const scalar = z.union([z.string(), z.number(), z.boolean()]);

// ---------------------------------------------------------------- data

export const fileFormat = z.enum(['auto', 'csv', 'tsv', 'parquet']);

/** Reader options that a single source may override (e.g. UCI Adult's test file skips its first line). */
const readerOptions = {
  format: fileFormat.optional(),
  header: z.boolean().optional(),
  columns: z.array(z.string()).min(1).optional(),
  delimiter: z.string().min(1).max(4).optional(),
  quote: z.string().max(1).optional(),
  nullValues: z.array(z.string()).optional(),
  skipLines: nonNegativeInt.optional(),
};

export const sourceObject = z.strictObject({
  path: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  ...readerOptions,
});
/** A path, a glob, a list of them, or `{ path, ...reader options }`. */
export const source = z.union([z.string().min(1), z.array(z.string().min(1)).min(1), sourceObject], {
  error: 'expected a path, a glob, a list of paths, or { path, ...reader options }',
});

export const randomSplit = z.strictObject({
  method: z.literal('random'),
  /**
   * [train, valid, test] when splitting `source` (default [0.8, 0.1, 0.1]); [train, valid] when carving a
   * validation split from an explicit `train` (default [0.9, 0.1]). Filled in by loadConfig.
   */
  ratios: z.array(z.number().nonnegative()).min(2).max(3).optional(),
  seed: z.number().int().optional(),
});
export const timeSplit = z.strictObject({
  method: z.literal('time'),
  column: z.string(),
  /** Rows with column < validFrom are train, < testFrom valid, the rest test. Numbers or ISO timestamps. */
  validFrom: z.union([z.string(), z.number()]),
  testFrom: z.union([z.string(), z.number()]),
});
export const split = z.discriminatedUnion('method', [randomSplit, timeSplit]);

export const dataSection = z.strictObject({
  train: source.optional(),
  valid: source.optional(),
  test: source.optional(),
  source: source.optional(),
  split: split.optional(),
  format: fileFormat.default('auto'),
  header: z.boolean().default(true),
  columns: z.array(z.string()).min(1).optional(),
  delimiter: z.string().min(1).max(4).optional(),
  quote: z.string().max(1).optional(),
  nullValues: z.array(z.string()).default([]),
  skipLines: nonNegativeInt.default(0),
  onBadRow: z.enum(['error', 'skip']).default('error'),
  /** The feature that names the item, for the cold-start report (alternative to `role: item`). */
  itemFeature: z.string().optional(),
  /** Where encoded splits are cached (relative to the config file); default `.cache/mtrank` next to it. */
  cacheDir: z.string().optional(),
  /** Splits whose encoded size exceeds this many MB are streamed from disk instead of loaded. */
  memoryLimitMb: z.number().positive().default(2048),
});

// ---------------------------------------------------------------- features

const PRETRAINED_MODES = ['freeze', 'finetune', 'freeze-then-finetune', 'concat'] as const;

export const pretrained = z.strictObject({
  path: z.string().describe('vector file (word2vec text/binary or CSV), relative to the config file'),
  format: z
    .enum(['auto', 'word2vec-text', 'word2vec-binary', 'csv'])
    .default('auto')
    .describe('file format; auto = by extension'),
  mode: z
    .enum(PRETRAINED_MODES)
    .default('finetune')
    .describe(
      'freeze | finetune | freeze-then-finetune: the pretrained vectors initialise the feature table; concat: a learned table and the frozen pretrained vectors side by side',
    ),
  unfreezeAfter: nonNegativeInt.optional().describe('freeze-then-finetune: optimizer steps frozen (default one epoch)'),
  lrScale: z.number().positive().optional().describe("the pretrained table's rate as a multiple of the embedding rate"),
  extendVocab: z
    .boolean()
    .optional()
    .describe("append the file's tokens outside the training vocabulary (they keep their pretrained vectors)"),
  rescale: z
    .number()
    .positive()
    .optional()
    .describe('scale the imported vectors so their root-mean-square coordinate is this (default: as in the file)'),
  graphsage: z
    .strictObject({
      model: z
        .string()
        .describe('the GraphSAGE model file (`mtrank pretrain graphsage --model-out`) that wrote `path`'),
      user: z.string().describe('the user column of `mtrank predict --interactions` logs'),
    })
    .optional()
    .describe(
      'item feature, mode concat or freeze: `mtrank predict --interactions LOG` embeds items in neither the vocabulary nor the vector file from the users they interacted with',
    ),
});

const common = {
  /** Source column; defaults to the feature's name. */
  column: z.string().optional(),
  /** false = not a model input (e.g. kept only for GAUC grouping). */
  input: z.boolean().default(true),
  /** Grouping key for GAUC (at most one feature). */
  group: z.boolean().default(false),
  /**
   * Serving: per-request context (sent once per request, e.g. the user) or per-candidate (e.g. the item).
   * Default: the group feature is context, every other feature candidate.
   */
  scope: z.enum(['context', 'candidate']).optional(),
};

export const categoricalFeature = z.strictObject({
  type: z.literal('categorical'),
  ...common,
  minCount: positiveInt.default(1),
  maxSize: positiveInt.optional(),
  hashBuckets: positiveInt.optional(),
  embeddingDim: positiveInt.default(16),
  role: z.literal('item').optional(),
  pretrained: pretrained.optional(),
  idDropout: z
    .number()
    .min(0)
    .lt(1)
    .optional()
    .describe(
      "probability that a training row's ID is looked up as out-of-vocabulary in the learned table: trains the OOV row and teaches the model to rank unseen IDs (with pretrained `mode: concat`, from their pretrained vectors)",
    ),
});

export const multiCategoricalFeature = z.strictObject({
  type: z.literal('multi-categorical'),
  ...common,
  separator: z.string().min(1).default('|'),
  maxLength: positiveInt.default(10),
  pooling: z.enum(['mean', 'sum']).default('mean'),
  minCount: positiveInt.default(1),
  maxSize: positiveInt.optional(),
  hashBuckets: positiveInt.optional(),
  embeddingDim: positiveInt.default(16),
});

export const numericFeature = z.strictObject({
  type: z.literal('numeric'),
  ...common,
  transform: z.enum(['none', 'standardize', 'log-standardize', 'minmax', 'bucketize']).default('standardize'),
  /** Value used when the cell is missing (raw units, before the transform). */
  default: z.number().default(0),
  missingIndicator: z.boolean().default(false),
  /** bucketize: number of quantile buckets; the result is a categorical input. */
  buckets: positiveInt.default(10),
  embeddingDim: positiveInt.default(4),
});

export const feature = z.discriminatedUnion('type', [categoricalFeature, multiCategoricalFeature, numericFeature], {
  error: "expected a feature with type 'categorical', 'multi-categorical' or 'numeric'",
});

// ---------------------------------------------------------------- tasks

export const labelRule = z.union(
  [
    z.string().min(1),
    z.strictObject({
      column: z.string().min(1),
      positive: z.array(scalar).min(1),
      /** When given, any value in neither list is an error (or a skipped row). */
      negative: z.array(scalar).optional(),
    }),
  ],
  { error: 'expected a column name or { column, positive: [values] }' },
);

export const task = z.strictObject({
  label: labelRule,
  labelWeight: z
    .union([z.number().positive(), z.literal('auto')], { error: "expected a positive number or 'auto'" })
    .default(1),
  positiveShare: z.number().gt(0).lt(1).default(0.5),
  lossWeight: z.number().nonnegative().default(1),
  dependsOn: z.string().optional(),
});

// ---------------------------------------------------------------- model, training, fusion

export const model = z.strictObject({
  type: z.enum(MODEL_TYPES).default('shared-bottom').describe('architecture'),
  bottom: z.array(positiveInt).default([256, 128]).describe('shared-bottom: hidden sizes of the shared MLP'),
  tower: z.array(positiveInt).default([64]).describe("hidden sizes of each task's tower"),
  activation: z.enum(ACTIVATIONS).default('relu').describe('hidden-layer activation'),
  dropout: z.number().min(0).lt(1).default(0).describe('dropout rate on hidden layers'),
  experts: positiveInt.default(4).describe('mmoe: number of experts'),
  expertHidden: z.array(positiveInt).default([128]).describe('mmoe/ple: hidden sizes of each expert'),
  levels: positiveInt.default(1).describe('ple: extraction levels'),
  sharedExperts: positiveInt.default(1).describe('ple: shared experts per level'),
  taskExperts: positiveInt.default(1).describe('ple: task-specific experts per task and level'),
});

export const optimizer = z.strictObject({
  type: z
    .enum(OPTIMIZERS)
    .default('adam')
    .describe('dense parameters: sgd | adam | adagrad (embeddings: the sparse variant)'),
  lr: z.number().positive().default(0.001).describe('base learning rate'),
  weightDecay: z.number().nonnegative().optional().describe('L2 weight decay (default 0)'),
  beta1: z.number().min(0).lt(1).optional().describe('adam: first-moment decay (default 0.9)'),
  beta2: z.number().min(0).lt(1).optional().describe('adam: second-moment decay (default 0.999)'),
  eps: z.number().positive().optional().describe('adam/adagrad: denominator epsilon'),
  momentum: z.number().min(0).lt(1).optional().describe('sgd: momentum (default 0)'),
});

export const schedule = z.strictObject({
  type: z.enum(['constant', 'warmup-decay']).default('constant'),
  warmupSteps: nonNegativeInt.optional(),
  decaySteps: nonNegativeInt.optional(),
  minLr: z.number().nonnegative().optional(),
});

export const training = z.strictObject({
  epochs: positiveInt.default(1),
  batchSize: positiveInt.default(512),
  optimizer: optimizer.default({ type: 'adam', lr: 0.001 }),
  embeddingOptimizer: optimizer.default({ type: 'adam', lr: 0.001 }),
  schedule: schedule.default({ type: 'constant' }),
  clipNorm: z.number().nonnegative().default(0),
  evalEvery: positiveInt.default(200),
  earlyStopping: z
    .union([
      z.literal(false),
      z.strictObject({
        monitor: z.string().default('mean-auc').describe("'mean-auc' or '<task>-auc' on the validation split"),
        patience: positiveInt.default(5).describe('evaluations without improvement before stopping'),
      }),
    ])
    .default({ monitor: 'mean-auc', patience: 5 }),
  checkpointEvery: positiveInt.default(500),
  onNonFinite: z.enum(['stop', 'skip']).default('stop'),
  threads: z.union([positiveInt, z.literal('auto')]).default(2),
  lossWeighting: lossWeightingSchema
    .default({ method: 'static' })
    .describe('knob 2: static loss weights (tasks.<t>.lossWeight) or an adaptive method with its options'),
});

export const fusion = z.strictObject({
  form: z.enum(FUSION_FORMS).default('linear').describe('fused score: linear Σ w·p or product Π p^w'),
  search: z.enum(FUSION_SEARCHES).default('grid').describe('how the output weights are searched'),
  step: z.number().positive().default(0.1).describe('grid step over [0, 1]'),
  refine: z.boolean().default(false).describe('coordinate ascent with finer steps around the best point'),
  objective: z
    .strictObject({
      type: z.enum(FUSION_OBJECTIVES).default('auc'),
      task: z.string().optional().describe('auc / gauc: the task whose label is ranked'),
      weights: z.record(z.string(), z.number()).optional().describe('weighted-auc: weight per task'),
    })
    .optional()
    .describe('what the search maximises (default: AUC of the task with the fewest positives)'),
  constraints: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe("e.g. 'auc(click) >= base(click) - 0.005'"),
});

// ---------------------------------------------------------------- the experiment

const experimentShape = z.strictObject({
  /** Run name (runs/NAME). */
  name: z.string().optional(),
  seed: z.number().int().default(42),
  data: dataSection,
  features: z.record(z.string(), feature).refine((f) => Object.keys(f).length > 0, 'expected at least one feature'),
  tasks: z.record(z.string(), task).refine((t) => Object.keys(t).length > 0, 'expected at least one task'),
  model: model.default(() => model.parse({})),
  training: training.default(() => training.parse({})),
  fusion: fusion.optional(),
});

/** Cross-field rules: references between sections and the data sources. */
export const experimentConfig = experimentShape.superRefine((c, ctx) => {
  const d = c.data;
  if (!d.train && !d.source)
    ctx.addIssue({
      code: 'custom',
      path: ['data'],
      message: "expected 'train' (with 'valid'/'test') or 'source' with 'split'",
    });
  if (d.train && d.source)
    ctx.addIssue({
      code: 'custom',
      path: ['data', 'source'],
      message: "expected either 'train'/'valid'/'test' or 'source', not both",
    });
  if (d.source && !d.split)
    ctx.addIssue({
      code: 'custom',
      path: ['data', 'split'],
      message: "expected a split ({ method: random | time }) when 'source' is used",
    });
  for (const issue of splitIssues(d)) ctx.addIssue({ code: 'custom', ...issue });
  if (d.header === false && !d.columns && !sourcesHaveColumns(d))
    ctx.addIssue({ code: 'custom', path: ['data', 'columns'], message: 'expected column names when header is false' });
  for (const [name, t] of Object.entries(c.tasks)) {
    if (t.dependsOn !== undefined && !(t.dependsOn in c.tasks))
      ctx.addIssue({
        code: 'custom',
        path: ['tasks', name, 'dependsOn'],
        message: `expected one of the tasks (${Object.keys(c.tasks).join(', ')}), got '${t.dependsOn}'`,
      });
    if (t.dependsOn === name)
      ctx.addIssue({ code: 'custom', path: ['tasks', name, 'dependsOn'], message: 'a task cannot depend on itself' });
  }
  const groups = Object.entries(c.features)
    .filter(([, f]) => f.group)
    .map(([n]) => n);
  if (groups.length > 1)
    ctx.addIssue({
      code: 'custom',
      path: ['features', groups[1], 'group'],
      message: `expected at most one group feature, got ${groups.join(', ')}`,
    });
  for (const g of groups) {
    if (c.features[g].type !== 'categorical')
      ctx.addIssue({
        code: 'custom',
        path: ['features', g, 'group'],
        message: 'expected the group feature to be categorical',
      });
  }
  const items = Object.entries(c.features)
    .filter(([, f]) => f.type === 'categorical' && f.role === 'item')
    .map(([n]) => n);
  if (items.length > 1)
    ctx.addIssue({
      code: 'custom',
      path: ['features', items[1], 'role'],
      message: `expected at most one item feature, got ${items.join(', ')}`,
    });
  if (d.itemFeature !== undefined) {
    const f = c.features[d.itemFeature];
    if (!f || f.type !== 'categorical')
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'itemFeature'],
        message: `expected the name of a categorical feature, got '${d.itemFeature}'`,
      });
  }
  for (const [name, f] of Object.entries(c.features)) {
    if (
      (f.type === 'categorical' || f.type === 'multi-categorical') &&
      f.hashBuckets !== undefined &&
      f.maxSize !== undefined
    )
      ctx.addIssue({
        code: 'custom',
        path: ['features', name, 'hashBuckets'],
        message: 'expected either hashBuckets or maxSize, not both',
      });
    if (f.type === 'categorical' && f.pretrained && f.hashBuckets !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['features', name, 'pretrained'],
        message: 'a hashed feature (hashBuckets) has no vocabulary to map pretrained vectors onto',
      });
    if (f.type === 'categorical' && f.idDropout && f.hashBuckets !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['features', name, 'idDropout'],
        message: 'a hashed feature (hashBuckets) has no out-of-vocabulary row to drop IDs to',
      });
    if (f.type === 'categorical' && f.pretrained?.graphsage && !['concat', 'freeze'].includes(f.pretrained.mode))
      ctx.addIssue({
        code: 'custom',
        path: ['features', name, 'pretrained', 'graphsage'],
        message: 'inductive vectors need the pretrained table frozen (mode: concat or freeze)',
      });
    if (f.type === 'categorical' && f.pretrained && !f.input)
      ctx.addIssue({
        code: 'custom',
        path: ['features', name, 'pretrained'],
        message: 'pretrained vectors need a model input (input: true)',
      });
    if (!f.input && !f.group)
      ctx.addIssue({
        code: 'custom',
        path: ['features', name, 'input'],
        message: 'a feature with input: false must be a group feature (or be removed)',
      });
  }
});

/**
 * A split either divides `source` into train/valid/test, or carves the validation split out of an explicit
 * `train` (then `test` stays the given file): only a seeded random split with [train, valid] ratios does that.
 */
function splitIssues(d: z.infer<typeof dataSection>): { path: string[]; message: string }[] {
  const s = d.split;
  if (!s) return [];
  const out: { path: string[]; message: string }[] = [];
  if (d.train) {
    if (d.valid)
      out.push({
        path: ['data', 'split'],
        message: "expected either 'valid' or a split that carves the validation split from 'train', not both",
      });
    if (s.method !== 'random')
      out.push({
        path: ['data', 'split', 'method'],
        message:
          "with an explicit 'train', data.split carves the validation split from it and must be { method: random, ratios: [train, valid] }; a time split needs 'source'",
      });
    else if (s.ratios && s.ratios.length !== 2)
      out.push({
        path: ['data', 'split', 'ratios'],
        message: `expected 2 ratios [train, valid] when carving the validation split from 'train' (the test split is 'test'), got ${s.ratios.length}`,
      });
  } else if (d.source && s.method === 'random' && s.ratios && s.ratios.length !== 3) {
    out.push({
      path: ['data', 'split', 'ratios'],
      message: `expected 3 ratios [train, valid, test] when splitting 'source', got ${s.ratios.length}`,
    });
  }
  if (s.method === 'random' && s.ratios && !(s.ratios.reduce((a, b) => a + b, 0) > 0))
    out.push({ path: ['data', 'split', 'ratios'], message: 'expected a positive sum' });
  return out;
}

/** The effective random-split ratios: as given, else [0.9, 0.1] carving `train`, or [0.8, 0.1, 0.1] splitting `source`. */
export function randomSplitRatios(d: Pick<z.infer<typeof dataSection>, 'train' | 'split'>): number[] {
  const s = d.split;
  if (s?.method !== 'random') throw new Error('randomSplitRatios: not a random split');
  return s.ratios ?? (d.train ? [0.9, 0.1] : [0.8, 0.1, 0.1]);
}

function sourcesHaveColumns(d: z.infer<typeof dataSection>): boolean {
  const all = [d.train, d.valid, d.test, d.source].filter((s) => s !== undefined);
  return all.length > 0 && all.every((s) => typeof s === 'object' && !Array.isArray(s) && s.columns !== undefined);
}

export type ExperimentConfig = z.output<typeof experimentConfig>;
export type ExperimentConfigInput = z.input<typeof experimentConfig>;
export type DataConfig = ExperimentConfig['data'];
export type SourceConfig = z.output<typeof source>;
export type SplitConfig = z.output<typeof split>;
export type FeatureConfig = z.output<typeof feature>;
export type CategoricalFeatureConfig = z.output<typeof categoricalFeature>;
export type MultiCategoricalFeatureConfig = z.output<typeof multiCategoricalFeature>;
export type NumericFeatureConfig = z.output<typeof numericFeature>;
export type PretrainedConfig = z.output<typeof pretrained>;
export type TaskConfig = z.output<typeof task>;
export type ModelConfig = z.output<typeof model>;
export type TrainingConfig = z.output<typeof training>;
export type OptimizerConfig = z.output<typeof optimizer>;
export type FusionConfig = z.output<typeof fusion>;

/** The item feature for the cold-start report: `role: item` or `data.itemFeature`. */
export function itemFeatureName(c: ExperimentConfig): string | undefined {
  if (c.data.itemFeature) return c.data.itemFeature;
  return Object.entries(c.features).find(([, f]) => f.type === 'categorical' && f.role === 'item')?.[0];
}

/** The GAUC grouping feature, if any. */
export function groupFeatureName(c: ExperimentConfig): string | undefined {
  return Object.entries(c.features).find(([, f]) => f.group)?.[0];
}

/** JSON Schema of the config (for editors: `mtrank schema > mtrank.schema.json`). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(experimentShape, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
