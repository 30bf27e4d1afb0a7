// train(..., { signal }): an AbortController aborted mid-training — here from a timer, which can only fire if the
// training loop yields between steps — rejects with an AbortError, leaves no lock and no temp file, leaves a run
// that reads as unfinished, and `resume: true` continues it to the very result of an uninterrupted run.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train, type TrainEvent } from '../../src/app/run.js';
import { writeFunnel } from '../../src/data/index.js';
import { MtrankError } from '../../src/util/errors.js';
import { LOCK_FILE } from '../../src/training/run-lock.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-abort-'));
let config: string;
const set = [
  'model.bottom=[16]',
  'model.tower=[8]',
  'training.epochs=2',
  'training.batchSize=32',
  'training.evalEvery=20',
  'training.checkpointEvery=1000',
  'training.threads=1',
  'data.cacheDir=' + join(root, 'cache'),
];

afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  config = (await writeFunnel(join(root, 'data'), { rows: 3000, seed: 5, days: 6, clickRate: 0.2 })).config;
}, 60_000);

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => relative(dir, join(dir, f)));
}

describe('train with an AbortSignal', () => {
  it('aborted mid-training: AbortError, no lock or temp file left, unfinished run, resume ends as an uninterrupted run', async () => {
    const out = join(root, 'aborted');
    const ac = new AbortController();
    let totalSteps = 0;
    const onProgress = (e: TrainEvent) => {
      if (e.type === 'start') totalSteps = e.totalSteps;
      // A timer, not the callback itself, aborts: it fires only if the loop gives the event loop a turn.
      if (e.type === 'step' && e.step === 10) setTimeout(() => ac.abort(new Error('user cancelled')), 0);
    };
    const err = await train(config, { out, set, signal: ac.signal, onProgress }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MtrankError);
    expect((err as Error).name).toBe('AbortError');
    expect((err as Error).cause).toEqual(new Error('user cancelled'));
    const step = Number(/aborted at step (\d+)/.exec((err as Error).message)?.[1]);
    expect(step).toBeGreaterThanOrEqual(10);
    expect(step).toBeLessThan(totalSteps); // mid-training, not after it

    const left = files(out);
    expect(left).not.toContain(LOCK_FILE);
    expect(left.filter((f) => /\.tmp-\d+-\d+$/.test(f))).toEqual([]);
    expect(left).toContain(join('checkpoints', 'last', 'manifest.json'));
    expect(existsSync(join(out, 'metrics.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).finishedAt).toBeUndefined();

    const resumed = await train(config, { out, set, resume: true });
    const full = await train(config, { out: join(root, 'full'), set });
    expect(resumed.metrics.test).toEqual(full.metrics.test);
    expect(resumed.metrics.bestStep).toEqual(full.metrics.bestStep);
    expect(files(out)).not.toContain(LOCK_FILE);
  }, 120_000);

  it('an already aborted signal stops before any work, with the same error name', async () => {
    const err = await train(config, { out: join(root, 'never'), set, signal: AbortSignal.abort() }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe('AbortError');
    expect(files(join(root, 'never'))).toEqual([]);
  });
});
