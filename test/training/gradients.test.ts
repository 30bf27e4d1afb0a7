import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/engine/graph.js';
import { scratch } from '../../src/engine/kernels.js';
import { createModel, featureSpec } from '../../src/models/index.js';
import type { MultiTaskModel } from '../../src/models/model.js';
import { computeGradients, labelWeightsFor } from '../../src/training/trainer.js';
import { gatherBatch } from '../../src/training/batches.js';
import { taskLosses } from '../../src/training/loss.js';
import { createLossWeighting } from '../../src/weighting/index.js';
import type { LossWeighting } from '../../src/weighting/base.js';
import { tinyConfig, tinyFunnel } from './fixtures.js';

const split = tinyFunnel(48, 3);
const rowsIdx = Int32Array.from({ length: 24 }, (_, i) => i * 2);
const lossWeights = [1, 0.5, 2];

/** The total training loss Σ_t lossWeight_t · loss_t, recomputed independently (float64 over a plain forward). */
function totalLoss(model: MultiTaskModel, labelWeights: number[]): number {
  const g = new Graph({ training: false });
  const batch = gatherBatch(split, rowsIdx, model.tasks, scratch);
  const logits = model.forward(g, batch).logits;
  const T = logits.length,
    B = batch.rows,
    Z = new Float32Array(B * T);
  logits.forEach((l, t) => {
    for (let i = 0; i < B; i++) Z[i * T + t] = l.data[i]!;
  });
  const { losses } = taskLosses({ Z, rows: B, chains: model.chains, labels: batch.labels, labelWeights });
  return losses.reduce((a, l, t) => a + lossWeights[t]! * l, 0);
}

function setup(type: string, weighting?: LossWeighting, extra: string[] = []) {
  const config = tinyConfig([
    ...extra,
    `model.type=${type}`,
    'tasks.cart.labelWeight=3',
    'tasks.order.labelWeight=auto',
    ...['click', 'cart', 'order'].map((t, k) => `tasks.${t}.lossWeight=${lossWeights[k]}`),
  ]);
  const model = createModel(config, featureSpec(split));
  const lw = Object.values(labelWeightsFor(config, split));
  const w =
    weighting ??
    createLossWeighting(
      config.training.lossWeighting,
      model.tasks.map((name, k) => ({ name, lossWeight: lossWeights[k]! })),
    );
  const r = computeGradients({ model, weighting: w, labelWeights: lw, step: 0, split, batchRows: rowsIdx, seed: 1 });
  expect(r.nonFinite).toBeNull();
  return { model, lw };
}

/** Central differences on a few entries of every parameter and of the looked-up embedding rows. */
function checkAgainstFiniteDifferences(model: MultiTaskModel, lw: number[]): void {
  const eps = 1e-3;
  let checked = 0;
  for (const p of model.store.params()) {
    const analytic = Float32Array.from(p.grad);
    for (const k of [0, Math.floor(p.size / 2), p.size - 1]) {
      const orig = p.data[k]!;
      p.data[k] = orig + eps;
      const up = totalLoss(model, lw);
      p.data[k] = orig - eps;
      const down = totalLoss(model, lw);
      p.data[k] = orig;
      const numeric = (up - down) / (2 * eps);
      expect(
        Math.abs(analytic[k]! - numeric),
        `${p.name}[${k}]: analytic ${analytic[k]} vs numeric ${numeric}`,
      ).toBeLessThan(1e-3 + 2e-2 * Math.abs(numeric));
      checked++;
    }
  }
  for (const t of model.store.tables()) {
    // Copies: the sparse gradient lives in per-step scratch memory that the next forward reuses.
    const sg = t.sparseGrad(),
      rows = Int32Array.from(sg.rows),
      grad = Float32Array.from(sg.values);
    for (const r of [0, rows.length - 1]) {
      const k = rows[r]! * t.dim + 1,
        orig = t.data[k]!;
      t.data[k] = orig + eps;
      const up = totalLoss(model, lw);
      t.data[k] = orig - eps;
      const down = totalLoss(model, lw);
      t.data[k] = orig;
      const numeric = (up - down) / (2 * eps);
      expect(Math.abs(grad[r * t.dim + 1]! - numeric), `${t.name} row ${rows[r]}`).toBeLessThan(
        1e-3 + 2e-2 * Math.abs(numeric),
      );
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(10);
}

describe('end-to-end gradients match finite differences', () => {
  for (const type of ['shared-bottom', 'esmm', 'mmoe', 'ple', 'single-task']) {
    it(type, () => {
      const { model, lw } = setup(type);
      checkAgainstFiniteDifferences(model, lw);
    });
  }
});

describe('end-to-end gradients with interaction layers and task embeddings', () => {
  const variants: [string, string[]][] = [
    ['shared-bottom', ['model.interaction=fm']],
    ['shared-bottom', ['model.interaction=dcn-v2', 'model.activation=tanh']],
    [
      'shared-bottom',
      ['model.interaction=dcn-v2', 'model.crossRank=2', 'model.crossLayers=3', 'model.activation=tanh'],
    ],
    ['shared-bottom', ['model.interaction=dot', 'model.interactionFields=["user","item"]']],
    ['shared-bottom', ['model.taskEmbeddings=per-task']],
    ['shared-bottom', ['model.taskEmbeddings=shared+per-task']],
    ['mmoe', ['model.interaction=dcn-v2', 'model.crossRank=2', 'model.taskEmbeddings=shared+per-task']],
    ['ple', ['model.interaction=fm', 'model.taskEmbeddings=per-task']],
    [
      'esmm',
      ['model.interaction=dot', 'model.interactionFields=["item","user"]', 'model.taskEmbeddings=shared+per-task'],
    ],
    ['single-task', ['model.interaction=fm']],
    ['single-task', ['model.interaction=dcn-v2', 'model.activation=tanh']],
  ];
  for (const [type, extra] of variants) {
    it(`${type} ${extra.join(' ')}`, () => {
      const { model, lw } = setup(type, undefined, extra);
      checkAgainstFiniteDifferences(model, lw);
    });
  }
});

describe('per-task backward through the detached shared representation', () => {
  it('gives the same gradients as one backward of the weighted loss', () => {
    const fixed: LossWeighting = {
      method: 'fixed-test',
      needs: 'shared-grads',
      weights: (inp) => {
        expect(inp.sharedGrads).toHaveLength(3);
        return lossWeights;
      },
      state: () => null,
      load: () => {},
      describe: () => ({}),
    };
    // Table gradients live in the engine's per-step scratch memory: copy them before the next step.
    const snapshot = (m: MultiTaskModel) => ({
      dense: m.store.params().map((p) => Float32Array.from(p.grad)),
      tables: m.store.tables().map((t) => {
        const g = t.sparseGrad();
        return { rows: Array.from(g.rows), values: Float32Array.from(g.values) };
      }),
    });
    for (const type of ['shared-bottom', 'mmoe', 'ple', 'esmm']) {
      const a = snapshot(setup(type).model),
        b = snapshot(setup(type, fixed).model);
      a.dense.forEach((p, k) => p.forEach((x, i) => expect(b.dense[k]![i], `${type} param ${k}`).toBeCloseTo(x, 5)));
      a.tables.forEach((t, k) => {
        expect(b.tables[k]!.rows).toEqual(t.rows);
        t.values.forEach((x, i) => expect(b.tables[k]!.values[i], `${type} table ${k}`).toBeCloseTo(x, 5));
      });
    }
  });
});
