/**
 * The experiment config: one zod schema for data, features, tasks, model, training and fusion.
 * Tasks and features are maps keyed by name so `--set tasks.order.labelWeight=100` addresses them by path.
 * Every section is strict: an unknown key is an error naming the closest valid key (load.ts). The enums
 * (model types, activations, optimizers, fusion forms/searches/objectives) are declared once in enums.ts; the
 * registries (src/models, src/weighting, src/fusion), benchmarks, CLI help and `mtrank schema` reuse them.
 */
import { z } from 'zod';
import { lossWeightingSchema } from './loss-weighting.js';
import { didYouMean } from './suggest.js';

import {
  ACTIVATIONS,
  FUSION_FORMS,
  FUSION_OBJECTIVES,
  FUSION_SEARCHES,
  INTERACTIONS,
  MODEL_TYPES,
  OPTIMIZERS,
  TASK_EMBEDDINGS,
} from './enums.js';

export * from './enums.js';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const scalar = z.union([z.string(), z.number(), z.boolean()]);

// ---------------------------------------------------------------- data

export const fileFormat = z.enum(['auto', 'csv', 'tsv', 'parquet']);
const formatDescription =
  'csv | tsv | parquet; auto = by extension (.parquet, .tsv/.tab, else CSV; .gz is read transparently)';

/** How a file is read: set for all sources in `data`, overridable per source (e.g. UCI Adult's test file skips a line). */
const reader = {
  format: fileFormat.describe(formatDescription),
  header: z.boolean().describe("the first line names the columns; false → give 'columns'"),
  columns: z.array(z.string()).min(1).describe('column names when header is false'),
  delimiter: z.string().min(1).max(4).describe('field separator, up to 4 characters (default , or tab for TSV)'),
  quote: z.string().max(1).describe('quote character (default: sniffed)'),
  nullValues: z.array(z.string()).describe('extra strings meaning missing (the empty field always is)'),
  skipLines: nonNegativeInt.describe('lines skipped before the header/data'),
};

export const sourceObject = z.strictObject({
  path: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .describe('a path, a glob or a list of them (relative to the config file)'),
  // unset reader options take the data section's value
  ...z.object(reader).partial().shape,
});
/** A path, a glob, a list of them, or `{ path, ...reader options }`. */
export const source = z.union([z.string().min(1), z.array(z.string().min(1)).min(1), sourceObject], {
  error: 'expected a path, a glob, a list of paths, or { path, ...reader options }',
});

export const randomSplit = z.strictObject({
  method: z.literal('random').describe('seeded random split, per row'),
  /**
   * [train, valid, test] when splitting `source` (default [0.8, 0.1, 0.1]); [train, valid] when carving a
   * validation split from an explicit `train` (default [0.9, 0.1]). Filled in by loadConfig.
   */
  ratios: z
    .array(z.number().nonnegative())
    .min(2)
    .max(3)
    .optional()
    .describe(
      "[train, valid, test] splitting 'source' (default [0.8, 0.1, 0.1]); [train, valid] carving 'train' (default [0.9, 0.1])",
    ),
  seed: z.number().int().optional().describe("split seed (default: the experiment's seed)"),
});
export const timeSplit = z.strictObject({
  method: z.literal('time').describe('split by a time column'),
  column: z.string().describe('the time column (numbers or timestamps)'),
  /** Rows with column < validFrom are train, < testFrom valid, the rest test. Numbers or ISO timestamps. */
  validFrom: z.union([z.string(), z.number()]).describe('first time of the valid split (rows before it are train)'),
  testFrom: z.union([z.string(), z.number()]).describe('first time of the test split'),
});
export const split = z.discriminatedUnion('method', [randomSplit, timeSplit]);

export const dataSection = z.strictObject({
  train: source.optional().describe('training data: a path, a glob, a list, or { path, ...reader options }'),
  valid: source.optional().describe('validation data (early stopping, best checkpoints)'),
  test: source.optional().describe('test data (reported, never used for selection)'),
  source: source.optional().describe("one source divided into train/valid/test by 'split'"),
  split: split
    .optional()
    .describe("how 'source' is split, or how the validation split is carved from 'train' (random only)"),
  format: reader.format.default('auto'),
  header: reader.header.default(true),
  columns: reader.columns.optional(),
  delimiter: reader.delimiter.optional(),
  quote: reader.quote.optional(),
  nullValues: reader.nullValues.default([]),
  skipLines: reader.skipLines.default(0),
  onBadRow: z
    .enum(['error', 'skip'])
    .default('error')
    .describe('error: stop at the first bad row; skip: drop bad rows, counted per reason'),
  itemFeature: z
    .string()
    .optional()
    .describe('the feature naming the item, for the cold-start report (alternative to role: item)'),
  cacheDir: z
    .string()
    .optional()
    .describe('where encoded splits are cached (relative to the config file; default .cache/mtrank)'),
  memoryLimitMb: z
    .number()
    .positive()
    .default(2048)
    .describe(
      'MB: a training split encoded larger than this is streamed from the on-disk cache (shuffled chunks) instead of loaded; a larger valid/test split is an error',
    ),
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
  column: z.string().optional().describe("source column (default: the feature's name)"),
  input: z.boolean().default(true).describe('false = not a model input (kept only as the GAUC group)'),
  group: z.boolean().default(false).describe('the grouping key for GAUC (at most one feature, categorical)'),
  scope: z
    .enum(['context', 'candidate'])
    .optional()
    .describe('serving: sent once per request, or per candidate (default: context for the group feature)'),
};
/** Vocabulary keys shared by the categorical kinds. */
const vocabulary = {
  minCount: positiveInt.default(1).describe('values seen fewer times in training map to id 0 (out of vocabulary)'),
  maxSize: positiveInt.optional().describe('keep at most this many values, most frequent first'),
  hashBuckets: positiveInt
    .optional()
    .describe('hash values into this many buckets instead of a vocabulary (not with maxSize)'),
};

export const categoricalFeature = z.strictObject({
  type: z.literal('categorical').describe('one value per row, embedded'),
  ...common,
  ...vocabulary,
  embeddingDim: positiveInt.default(16).describe('embedding size'),
  role: z.literal('item').optional().describe('the item feature (cold-start report)'),
  pretrained: pretrained.optional().describe('initialise the embeddings from a vector file'),
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
  type: z.literal('multi-categorical').describe('several values per cell, pooled embeddings'),
  ...common,
  separator: z.string().min(1).default('|').describe('separator between the values of a cell'),
  maxLength: positiveInt.default(10).describe('the first N non-empty values are kept'),
  pooling: z.enum(['mean', 'sum']).default('mean').describe('how the value embeddings are pooled'),
  ...vocabulary,
  embeddingDim: positiveInt.default(16).describe('embedding size'),
});

export const numericFeature = z.strictObject({
  type: z.literal('numeric').describe('a number, transformed with training statistics'),
  ...common,
  transform: z
    .enum(['none', 'standardize', 'log-standardize', 'minmax', 'bucketize'])
    .default('standardize')
    .describe('log-standardize = sign(x)·ln(1+|x|) then standardize; bucketize = quantile buckets, embedded'),
  default: z.number().default(0).describe('value of a missing cell (raw units, before the transform)'),
  missingIndicator: z.boolean().default(false).describe('add a 0/1 dense column <name>:missing'),
  buckets: positiveInt.default(10).describe('bucketize: number of quantile buckets'),
  embeddingDim: positiveInt.default(4).describe('bucketize: embedding size'),
});

export const feature = z.discriminatedUnion('type', [categoricalFeature, multiCategoricalFeature, numericFeature], {
  error: "expected a feature with type 'categorical', 'multi-categorical' or 'numeric'",
});

// ---------------------------------------------------------------- tasks

export const labelRule = z.union(
  [
    z.string().min(1),
    z.strictObject({
      column: z.string().min(1).describe('the label column'),
      positive: z
        .array(scalar)
        .min(1)
        .optional()
        .describe('values meaning 1 (absent: the column is 0/1, as with a plain column name)'),
      negative: z
        .array(scalar)
        .optional()
        .describe('values meaning 0; when given, a value in neither list is a bad row (else every other value is 0)'),
      missing: z
        .array(scalar)
        .min(1)
        .optional()
        .describe(
          'values meaning "no label for this task on this row" (an empty cell counts when "" is listed): such rows add no loss for the task and are left out of its metrics',
        ),
    }),
  ],
  { error: 'expected a column name or { column, positive: [values], missing: [values] }' },
);

export const task = z.strictObject({
  label: labelRule.describe('a 0/1 column, or { column, positive: [values], negative?: [values] }'),
  labelWeight: z
    .union([z.number().positive(), z.literal('auto')], { error: "expected a positive number or 'auto'" })
    .default(1)
    .describe("knob 1: weight of a positive example's loss; auto = from the training label rate and positiveShare"),
  positiveShare: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.5)
    .describe("labelWeight auto: the positives' total weight as a share of the negatives'"),
  lossWeight: z.number().nonnegative().default(1).describe("the task's loss weight under static loss weighting"),
  dependsOn: z.string().optional().describe('the parent task (ESMM: this task is predicted given its parent)'),
});

// ---------------------------------------------------------------- model, training, fusion

export const model = z.strictObject({
  type: z.enum(MODEL_TYPES).default('shared-bottom').describe('architecture'),
  bottom: z.array(positiveInt).default([256, 128]).describe('shared-bottom: hidden sizes of the shared MLP'),
  tower: z.array(positiveInt).default([64]).describe("hidden sizes of each task's tower"),
  activation: z.enum(ACTIVATIONS).default('relu').describe('hidden-layer activation'),
  dropout: z
    .number()
    .min(0)
    .lt(1)
    .default(0)
    .describe('inverted dropout after every hidden layer of the bottom, towers and experts (training only, seeded)'),
  experts: positiveInt.default(4).describe('mmoe: number of experts'),
  expertHidden: z.array(positiveInt).default([128]).describe('mmoe/ple: hidden sizes of each expert'),
  levels: positiveInt.default(1).describe('ple: extraction levels'),
  sharedExperts: positiveInt.default(1).describe('ple: shared experts per level'),
  taskExperts: positiveInt.default(1).describe('ple: task-specific experts per task and level'),
  interaction: z
    .enum(INTERACTIONS)
    .default('none')
    .describe(
      'interaction layer on the input, feeding the bottom (experts): fm | dcn-v2 cross layers | dot (user·item)',
    ),
  interactionFields: z
    .array(z.string())
    .min(2)
    .optional()
    .describe(
      'fm/dot: the ID features that interact (equal embeddingDim); default fm: the fields of the largest dim, dot: the group (user) and item features',
    ),
  crossLayers: positiveInt.default(2).describe('dcn-v2: number of cross layers'),
  crossRank: z
    .union([positiveInt, z.literal('full')])
    .default(16)
    .describe("dcn-v2: rank r of the cross weights U·Vᵀ (2·D·r per row instead of D²), or 'full' D×D weights"),
  taskEmbeddings: z
    .enum(TASK_EMBEDDINGS)
    .default('shared')
    .describe(
      'ID embeddings: shared by all tasks | per-task (each task its own tables through the shared nets) | shared+per-task (STEM: the shared path reads the shared tables, each tower also its own)',
    ),
  embeddingInit: z
    .union([z.literal('scaled'), z.number().positive()])
    .default(0.01)
    .describe(
      "initial std of embedding rows: a fixed std (default 0.01, measured best without and with interactions: docs/training.md) or 'scaled' = 1/√dim per table",
    ),
});

export const optimizer = z.strictObject({
  type: z
    .enum(OPTIMIZERS)
    .default('adam')
    .describe('dense parameters: sgd | adam | adagrad (embeddings: the sparse variant)'),
  lr: z.number().positive().default(0.001).describe('base learning rate'),
  weightDecay: z
    .number()
    .nonnegative()
    .optional()
    .describe('L2 penalty added to the gradient (default 0); embeddings: on the rows a step touches only'),
  decoupled: z
    .boolean()
    .optional()
    .describe('weightDecay decays the weights directly, p ← p·(1 − lr·wd), apart from the gradient (AdamW)'),
  beta1: z.number().min(0).lt(1).optional().describe('adam: first-moment decay (default 0.9)'),
  beta2: z.number().min(0).lt(1).optional().describe('adam: second-moment decay (default 0.999)'),
  eps: z.number().positive().optional().describe('adam/adagrad: denominator epsilon'),
  momentum: z.number().min(0).lt(1).optional().describe('sgd: momentum (default 0)'),
});

export const schedule = z.strictObject({
  type: z.enum(['constant', 'warmup-decay']).default('constant').describe('learning-rate schedule'),
  warmupSteps: nonNegativeInt.optional().describe('warmup-decay: steps of linear warmup (default 0)'),
  decaySteps: nonNegativeInt.optional().describe('warmup-decay: steps of decay to minLr (default: the rest)'),
  minLr: z.number().nonnegative().optional().describe('warmup-decay: the rate after the decay (default 0)'),
  decay: z.enum(['cosine', 'linear']).optional().describe('warmup-decay: decay shape (default cosine)'),
});

export const training = z.strictObject({
  epochs: positiveInt.default(1).describe('passes over the training split'),
  batchSize: positiveInt.default(512).describe('rows per step (the last batch of an epoch may be short)'),
  optimizer: optimizer.default({ type: 'adam', lr: 0.001 }).describe('optimizer of the dense parameters'),
  embeddingOptimizer: optimizer
    .default({ type: 'adam', lr: 0.001 })
    .describe('optimizer of the embedding tables (sparse: only the rows a batch touched)'),
  schedule: schedule
    .default({ type: 'constant' })
    .describe('learning-rate schedule (the embedding rate follows the same factor)'),
  clipNorm: z.number().nonnegative().default(0).describe('global L2 gradient-norm clipping (0 = off)'),
  evalEvery: positiveInt.default(200).describe('steps between evaluations (and one at the end)'),
  earlyStopping: z
    .union([
      z.literal(false),
      z.strictObject({
        monitor: z
          .string()
          .default('mean-auc')
          .describe(
            "on the validation split: 'mean-auc'; one task, '<task>-auc' or 'valid.<task>.auc'; or 'all-tasks' (stop once no task reached a new best of its own for `patience` evaluations; keeps the best mean AUC)",
          ),
        patience: positiveInt.default(5).describe('evaluations without improvement before stopping'),
      }),
    ])
    .default({ monitor: 'mean-auc', patience: 5 })
    .describe('stop when the monitor stops improving; false = never stop (the best weights are still kept)'),
  checkpointEvery: positiveInt.default(500).describe('steps between resume checkpoints (and one at the end)'),
  onNonFinite: z
    .enum(['stop', 'skip'])
    .default('stop')
    .describe('a NaN/Inf loss or gradient: stop the run with a message, or skip (drop and count) the batch'),
  threads: z
    .union([positiveInt, z.literal('auto')])
    .default(2)
    .describe('kernel worker threads (auto = all cores)'),
  lossWeighting: lossWeightingSchema
    .default({ method: 'static' })
    .describe('knob 2: static loss weights (tasks.<t>.lossWeight) or an adaptive method with its options'),
});

export const fusion = z.strictObject({
  form: z
    .enum(FUSION_FORMS)
    .default('linear')
    .describe(
      'fused score: linear Σ w·p, product Π p^w, ensemble Π (b + p)^w, rank Σ w·percentile(p), expected-value value·Π p^w',
    ),
  offsets: z
    .record(z.string(), z.number().positive())
    .optional()
    .describe('ensemble form: the offset b per task in Π (b + p)^w (default 1 for a task not listed)'),
  value: z
    .string()
    .optional()
    .describe(
      'business value column (e.g. price, GMV) in the scores file: multiplied in by the expected-value form, the gain of value-auc / value-ndcg',
    ),
  search: z
    .enum(FUSION_SEARCHES)
    .default('grid')
    .describe('how the output weights are searched (cmaes: sample-efficient, for many tasks, with a budget)'),
  budget: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('cmaes / random search: weight vectors to evaluate (default 1000)'),
  step: z.number().positive().default(0.1).describe('grid step over [0, 1]'),
  refine: z.boolean().default(false).describe('coordinate ascent with finer steps around the best point'),
  objective: z
    .strictObject({
      type: z.enum(FUSION_OBJECTIVES).default('auc').describe(FUSION_OBJECTIVES.join(' | ')),
      task: z.string().optional().describe('auc / gauc: the task whose label is ranked'),
      weights: z.record(z.string(), z.number()).optional().describe('weighted-auc: weight per task'),
      k: z.number().int().positive().optional().describe('value-ndcg: cut-off per group (default: the whole group)'),
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
  name: z.string().optional().describe('run name (runs/NAME)'),
  seed: z.number().int().default(42).describe('seed of everything random: splits, initialisation, shuffling, dropout'),
  data: dataSection.describe('where the data is and how to read and split it'),
  features: z
    .record(z.string(), feature)
    .refine((f) => Object.keys(f).length > 0, 'expected at least one feature')
    .describe('feature name → definition (categorical, multi-categorical or numeric)'),
  tasks: z
    .record(z.string(), task)
    .refine((t) => Object.keys(t).length > 0, 'expected at least one task')
    .describe('task name → label and weights'),
  model: model.default(() => model.parse({})).describe('the architecture and its sizes'),
  training: training.default(() => training.parse({})).describe('budget, optimizers, evaluation, loss weighting'),
  fusion: fusion.optional().describe('searching output weights that fuse the task scores into one'),
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
        message: `expected one of the tasks (${Object.keys(c.tasks).join(', ')}), got '${t.dependsOn}'${didYouMean(t.dependsOn, Object.keys(c.tasks))}`,
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
  for (const issue of interactionIssues(c))
    ctx.addIssue({ code: 'custom', path: ['model', 'interactionFields'], message: issue });
});

/** model.interactionFields name ID inputs; the dot interaction's default needs a group and an item feature. */
function interactionIssues(c: z.infer<typeof experimentShape>): string[] {
  const m = c.model;
  if (m.interaction !== 'fm' && m.interaction !== 'dot') return [];
  const isId = (f: FeatureConfig | undefined) =>
    f !== undefined && f.input && (f.type !== 'numeric' || f.transform === 'bucketize');
  const bad = (m.interactionFields ?? []).filter((n) => !isId(c.features[n]));
  if (bad.length > 0)
    return [
      `expected ID input features (categorical, multi-categorical or bucketized numeric), got ${bad.map((n) => `'${n}'`).join(', ')}`,
    ];
  if (m.interaction === 'dot' && !m.interactionFields && (!groupFeatureName(c) || !itemFeatureName(c)))
    return [
      'the dot interaction pairs the group (user) feature with the item feature (role: item); this config lacks one: name the fields here',
    ];
  return [];
}

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
