import { describe, expect, it } from 'vitest';
import { createModel } from '../../src/models/index.js';
import type { FeatureInputSpec } from '../../src/models/layers.js';
import { predictSplit } from '../../src/training/evaluation.js';
import { buildOnnxModel, type FusionSpec } from '../../src/export/onnx-model.js';
import { encodedFeeds } from '../../src/export/feeds.js';
import { fusedScore } from '../../src/fusion/forms.js';
import { Rng } from '../../src/util/rng.js';
import { tinyConfig } from '../training/fixtures.js';
import { maxAbsDiff, randomRows, runOnnx } from './helpers.js';

const SPEC: FeatureInputSpec = {
  categorical: [
    { name: 'user', vocabSize: 50, dim: 4 },
    { name: 'item', vocabSize: 80, dim: 3 },
  ],
  multi: [
    { name: 'tags', vocabSize: 30, dim: 5, pooling: 'mean' },
    { name: 'topics', vocabSize: 20, dim: 2, pooling: 'sum' },
  ],
  denseCount: 3,
};
const MAX_LENGTHS = [4, 3];
const ROWS = 5000;

/** SPEC with user, item and the tags bag at one dim, so FM and dot product have fields to pair. */
const EQUAL_DIMS: FeatureInputSpec = {
  ...SPEC,
  categorical: [SPEC.categorical[0]!, { ...SPEC.categorical[1]!, dim: 4 }],
  multi: [{ ...SPEC.multi![0]!, dim: 4 }, SPEC.multi![1]!],
};

/** Every model type, every hidden activation, interaction layer and task-embedding mode on some model. */
const CASES: [string, string[], FeatureInputSpec?][] = [
  ['shared-bottom', ['model.activation=relu']],
  ['single-task', ['model.activation=sigmoid']],
  ['mmoe', ['model.activation=gelu', 'model.dropout=0.3']], // dropout: the identity at inference
  ['ple', ['model.levels=1', 'model.sharedExperts=2']],
  ['mmoe', ['model.experts=1']], // a one-expert gate
  ['ple', ['model.activation=tanh', 'model.levels=2']],
  ['esmm', ['model.activation=leaky-relu']],
  ['shared-bottom', ['model.interaction=fm'], EQUAL_DIMS],
  ['mmoe', ['model.interaction=dot', 'model.interactionFields=["item","user"]'], EQUAL_DIMS],
  ['ple', ['model.interaction=dcn-v2', 'model.crossRank=full', 'model.taskEmbeddings=shared+per-task']],
  ['esmm', ['model.interaction=dcn-v2', 'model.crossRank=3', 'model.taskEmbeddings=per-task']],
  ['single-task', ['model.interaction=fm'], EQUAL_DIMS],
];

describe('buildOnnxModel: onnxruntime reproduces the engine', () => {
  for (const [type, set, spec = SPEC] of CASES) {
    it(`${type} (${set.join(', ')}): p_<task> and score within 1e-5 on ${ROWS} rows with OOV ids and padded bags`, async () => {
      const model = createModel(tinyConfig([`model.type=${type}`, ...set]), spec);
      // Weights far from their initial scale, so every layer, table row and chain matters to the outputs.
      const rng = new Rng(11);
      for (const p of model.store.params()) for (let i = 0; i < p.size; i++) p.data[i] = 0.4 * rng.normal();
      for (const t of model.store.tables()) for (let i = 0; i < t.vocab * t.dim; i++) t.data[i] = 0.5 * rng.normal();
      const fusion: FusionSpec = { form: type === 'esmm' ? 'product' : 'linear', weights: [0.3, 0, 1] };
      const { bytes, io } = buildOnnxModel(
        model,
        { spec, maxLengths: MAX_LENGTHS, denseNames: ['a', 'b', 'c'] },
        fusion,
      );
      const rows = randomRows(spec, MAX_LENGTHS, ROWS, 5);
      const out = await runOnnx(bytes, encodedFeeds(io.inputs, rows));
      const expected = predictSplit(model, rows);
      model.tasks.forEach((task, t) => {
        expect(maxAbsDiff(out[`p_${task}`]!, expected[t]!), task).toBeLessThan(1e-5);
      });
      const score = Float64Array.from({ length: ROWS }, (_, i) =>
        fusedScore(
          fusion.form,
          fusion.weights,
          expected.map((p) => p[i]!),
        ),
      );
      expect(maxAbsDiff(out.score!, score)).toBeLessThan(1e-5);
      // The outputs are far from constant, so the comparison above says something.
      const last = expected[2]!;
      expect(Math.max(...last) - Math.min(...last)).toBeGreaterThan(0.05);
    });
  }
});

describe('buildOnnxModel: inputs follow the layout', () => {
  it('no dense block and no bags: only the id inputs; no fusion: only p_<task>; names never clash', async () => {
    const spec: FeatureInputSpec = { categorical: [{ name: 'p_click', vocabSize: 9, dim: 2 }], denseCount: 0 };
    const model = createModel(tinyConfig(['model.type=esmm']), spec);
    const rng = new Rng(3);
    for (const t of model.store.tables()) for (let i = 0; i < t.vocab * t.dim; i++) t.data[i] = rng.normal();
    const { bytes, io } = buildOnnxModel(model, { spec, maxLengths: [], denseNames: [] }, null);
    // A feature named like an output gets a leading underscore; the output keeps its name.
    expect(io.inputs.map((i) => [i.name, i.feature, i.kind])).toEqual([['_p_click', 'p_click', 'categorical']]);
    expect(io.outputs.map((o) => o.name)).toEqual(['p_click', 'p_cart', 'p_order']);
    const rows = randomRows(spec, [], 300, 2);
    const out = await runOnnx(bytes, encodedFeeds(io.inputs, rows));
    expect(Object.keys(out).sort()).toEqual(['p_cart', 'p_click', 'p_order']);
    const expected = predictSplit(model, rows);
    model.tasks.forEach((task, t) => expect(maxAbsDiff(out[`p_${task}`]!, expected[t]!)).toBeLessThan(1e-5));
  });
});
