import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train, trainSampleRows } from '../../src/training/trainer.js';
import { evaluateSplit } from '../../src/training/evaluation.js';
import { readMetricsLog } from '../../src/training/metrics-log.js';
import { tinyConfig, tinyFunnel } from './fixtures.js';

const data = { train: tinyFunnel(3000, 1), valid: tinyFunnel(1000, 2) };
const tmp = () => mkdtempSync(join(tmpdir(), 'mtrank-train-'));

describe('every model type learns', () => {
  for (const type of ['shared-bottom', 'single-task', 'mmoe', 'ple', 'esmm']) {
    it(`${type} beats a constant predictor (AUC 0.5) on every task`, async () => {
      const config = tinyConfig([`model.type=${type}`, 'training.epochs=3']);
      const r = await train({ config, data, dir: tmp() });
      const { metrics } = evaluateSplit(r.model, data.valid);
      for (const t of ['click', 'cart', 'order']) expect(metrics[t]!.auc, `${type} ${t}`).toBeGreaterThan(0.62);
    }, 30_000);
  }
});

describe('resume', () => {
  it('an interrupted run resumed from its last checkpoint ends bit-for-bit where an uninterrupted one does', async () => {
    const config = tinyConfig(['model.dropout=0.1', 'tasks.order.labelWeight=auto']);
    const full = tmp(),
      cut = tmp();
    const a = await train({ config, data, dir: full });
    // Stops after step 40; the last checkpoint is at step 30 (checkpointEvery 15), so steps 31..40 run twice.
    await train({ config, data, dir: cut, haltAfterStep: 40 });
    const b = await train({ config, data, dir: cut, resume: true });
    expect(b.steps).toBe(a.steps);
    a.model.store
      .params()
      .forEach((p, k) =>
        expect(
          Buffer.from(
            b.model.store.params()[k]!.data.buffer,
            b.model.store.params()[k]!.data.byteOffset,
            p.size * 4,
          ).equals(Buffer.from(p.data.buffer, p.data.byteOffset, p.size * 4)),
          p.name,
        ).toBe(true),
      );
    a.model.store
      .tables()
      .forEach((t, k) => expect(Array.from(b.model.store.tables()[k]!.data)).toEqual(Array.from(t.data)));
    expect(readFileSync(join(cut, 'metrics.jsonl'), 'utf8')).toBe(readFileSync(join(full, 'metrics.jsonl'), 'utf8'));
    expect(b.taskBest).toEqual(a.taskBest);
  }, 30_000);
});

describe('early stopping', () => {
  it('stops when the monitor stalls, and a resume of the stopped run trains no further', async () => {
    const config = tinyConfig([
      'training.epochs=20',
      'training.evalEvery=5',
      'training.earlyStopping={"monitor":"order-auc","patience":2}',
      'training.optimizer.lr=0.05',
    ]);
    const dir = tmp();
    const a = await train({ config, data, dir });
    expect(a.stoppedEarly).toBe(true);
    expect(a.steps).toBeLessThan(a.totalSteps);
    const b = await train({ config, data, dir, resume: true });
    expect(b.steps).toBe(a.steps);
    expect(b.bestStep).toBe(a.bestStep);
  }, 30_000);
});

describe('non-finite numbers', () => {
  const poisoned = () => {
    const t = tinyFunnel(3000, 1);
    // A row outside the train-AUC sample (whose NaN prediction would be its own error): its batch gets a NaN loss.
    const sample = new Set(trainSampleRows(3000, 1000, 7));
    const row = [...Array(3000).keys()].find((r) => !sample.has(r))!;
    t.dense[2 * row] = Number.NaN;
    return { train: t, valid: data.valid };
  };

  it('stop (default) names the task and the step, and writes no NaN checkpoint', async () => {
    const dir = tmp();
    const p = train({ config: tinyConfig(), data: poisoned(), dir });
    await expect(p).rejects.toThrow(/step \d+: the loss of task 'click' is NaN/);
    // Whatever checkpoints exist were written before the bad step and hold finite numbers only.
    if (existsSync(join(dir, 'checkpoints/last/manifest.json'))) {
      const m = JSON.parse(readFileSync(join(dir, 'checkpoints/last/manifest.json'), 'utf8'));
      const bin = new Float32Array(readFileSync(join(dir, 'checkpoints/last', m.binary)).buffer.slice(0));
      expect(bin.every(Number.isFinite)).toBe(true);
    }
  });

  it('skip drops the bad batches, counts them, and training goes on', async () => {
    const dir = tmp();
    const r = await train({ config: tinyConfig(['training.onNonFinite=skip']), data: poisoned(), dir });
    expect(r.skippedBatches).toBe(2); // the poisoned row falls in one batch per epoch
    expect(r.steps).toBe(r.totalSteps);
    const skips = readMetricsLog(join(dir, 'metrics.jsonl')).filter((l) => l.type === 'skip');
    expect(skips).toHaveLength(2);
    expect(r.model.store.params().every((p) => p.data.every(Number.isFinite))).toBe(true);
  });
});
