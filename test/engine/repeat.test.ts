import { describe, it, expect } from 'vitest';
import { SharedBottomWorkload, syntheticBatches, type WorkloadConfig } from '../../src/bench/engine.js';
import { Adam } from '../../src/engine/optim/index.js';
import { kernelInfo } from '../../src/engine/kernels.js';
import { Rng } from '../../src/util/rng.js';

// Large enough that the bottom gemms and the sparse row updates split across the worker threads.
const cfg: WorkloadConfig = {
  fields: 8,
  vocab: 1000,
  dim: 8,
  dense: 4,
  bottom: [128, 64],
  tower: [16],
  tasks: 2,
  seed: 17,
  dropout: 0.1,
};
const batches = syntheticBatches(cfg, 3, 256, 5);

function run(seed: number): { params: Buffer[]; predictions: Float32Array[]; losses: number[] } {
  const model = new SharedBottomWorkload({ ...cfg, seed });
  const opt = new Adam(model.store, { lr: 0.01 });
  const rng = new Rng(seed).fork('dropout');
  const losses: number[] = [];
  for (let s = 0; s < 6; s++) losses.push(model.trainStep(batches[s % batches.length]!, opt, rng));
  const params = [...model.store.params().map((p) => p.data), ...model.store.tables().map((t) => t.data)].map((x) =>
    Buffer.from(Float32Array.from(x).buffer),
  );
  return { params, predictions: model.predict(batches[0]!.features), losses };
}

describe('repeatability', () => {
  it(`two runs with the same seed are bit-identical (${kernelInfo().variant} kernels, ${kernelInfo().threads} threads)`, () => {
    const a = run(1),
      b = run(1);
    expect(b.losses).toEqual(a.losses);
    a.params.forEach((p, i) => expect(p.equals(b.params[i]!), `parameter ${i}`).toBe(true));
    expect(b.predictions).toEqual(a.predictions);
    // Training did move the parameters, and another seed gives another model.
    expect(a.losses[5]).not.toBe(a.losses[0]);
    expect(run(2).predictions[0]).not.toEqual(a.predictions[0]);
  });
});
