import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTrial } from '../../src/app/sweep/plan.js';
import { runTrial, TrialFailed } from '../../src/app/sweep/run-trial.js';
import { TrialStore } from '../../src/app/sweep/store.js';
import { readTrialInfo } from '../../src/app/sweep/trial-record.js';
import { trainersOf } from './processes.js';
import { processPerTrial, warmTrainers } from '../../src/app/sweep/trainers.js';
import { resumableTrial } from './resumable-trial.js';
import { runTraining } from '../../src/training/run.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-trial-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a stand-in queue worker on one trial and waits until the trial has a checkpoint. */
async function workerWithCheckpoint(spec: object, storeDir: string, workDir: string) {
  const specFile = join(root, `spec-${Date.now()}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const runner = fileURLToPath(new URL('./trial-runner.mjs', import.meta.url));
  const worker = spawn(process.execPath, [runner, specFile, storeDir], { stdio: 'ignore' });
  const checkpoint = join(workDir, 'run', 'checkpoints', 'last', 'manifest.json');
  const t0 = Date.now();
  while (!existsSync(checkpoint)) {
    expect(Date.now() - t0, 'no checkpoint within 60 s').toBeLessThan(60_000);
    await sleep(50);
  }
  return worker;
}

describe('a trial on a worker that dies', () => {
  it('its trainer dies with it (the orphan guard), before the trial ends', async () => {
    // Long enough (1,000 epochs) that the trainer cannot finish in the guard's reaction time.
    const funnel = await resumableTrial(root, 1000);
    const sets = [...funnel.sets, 'seed=5'];
    const { config, hash } = resolveTrial(funnel.config, sets);
    const store = new TrialStore(join(root, 'store-guard'));
    const worker = await workerWithCheckpoint({ sweep: 's', hash, sets, config }, store.root, store.workDir(hash));
    expect(trainersOf(store.workDir(hash)).length).toBeGreaterThan(0);
    worker.kill('SIGKILL');
    await new Promise((r) => worker.on('exit', r));
    const t0 = Date.now();
    while (trainersOf(store.workDir(hash)).length > 0) {
      expect(Date.now() - t0, 'trainer still running 2 s after its worker died').toBeLessThan(2000);
      await sleep(50);
    }
    expect(existsSync(join(store.workDir(hash), 'run', 'metrics.json'))).toBe(false);
  }, 120_000);

  it('resumes from the last checkpoint on the next worker and ends with the uninterrupted test AUC', async () => {
    const funnel = await resumableTrial(root, 20);
    const sets = funnel.sets;
    const { config, hash } = resolveTrial(funnel.config, sets);
    const storeDir = join(root, 'store');
    const store = new TrialStore(storeDir);

    // Worker 1 starts the trial; once a checkpoint exists its machine dies: worker and trainer get SIGKILL together
    // (a short trial could otherwise finish in the orphan guard's reaction time, tested above).
    const worker = await workerWithCheckpoint({ sweep: 's', hash, sets, config }, storeDir, store.workDir(hash));
    for (const pid of trainersOf(store.workDir(hash))) process.kill(pid, 'SIGKILL');
    worker.kill('SIGKILL');
    await new Promise((r) => worker.on('exit', r));
    await sleep(100);
    expect(trainersOf(store.workDir(hash))).toEqual([]);
    expect(store.isDone(hash)).toBe(false);
    expect(existsSync(join(store.workDir(hash), 'run', 'metrics.json')), 'killed mid-trial').toBe(false);

    // Worker 2 takes the trial over and resumes it.
    const trainer = warmTrainers();
    const outcome = await runTrial({ sweep: 's', hash, sets, config }, store, { trainer });
    expect(outcome).toMatchObject({ status: 'finished', resumed: true });
    expect(store.state(hash)).toBe('finished');
    expect(existsSync(store.workDir(hash))).toBe(false);
    expect(readTrialInfo(store.runDir(hash))).toMatchObject({ status: 'finished', hash });

    // The same config trained without interruption gives the same test metrics, bit for bit.
    const ref = await runTraining({
      config: join(root, 'store', 'runs', hash, 'config.json'),
      out: join(root, 'ref'),
      quiet: 'silent',
    });
    const got = JSON.parse(readFileSync(join(store.runDir(hash), 'metrics.json'), 'utf8'));
    for (const task of ['click', 'cart', 'order']) expect(got.test[task].auc).toBe(ref.test![task]!.auc);

    // A third attempt (the job delivered again) does not train it a second time.
    expect(await runTrial({ sweep: 's', hash, sets, config }, store, { trainer })).toEqual({
      status: 'already-done',
      resumed: false,
    });
    await trainer.close();
  }, 120_000);

  it('a trainer that rejects its input fails the trial once, as not worth retrying', async () => {
    const fake = [process.execPath, fileURLToPath(new URL('./fake-trainer.mjs', import.meta.url))];
    process.env.FAKE_TRAINER_FAIL = 'work';
    try {
      const { config, hash } = resolveTrial(join(root, 'data', 'funnel.yaml'), ['seed=9']);
      const store = new TrialStore(join(root, 'store2'));
      const err = await runTrial({ sweep: 's', hash, sets: ['seed=9'], config }, store, {
        trainer: processPerTrial(fake),
      }).catch((e) => e);
      expect(err).toBeInstanceOf(TrialFailed);
      expect(err.message).toMatch(/exited with code 3[\s\S]*failing as asked/);
      expect(store.isDone(hash)).toBe(false);
    } finally {
      delete process.env.FAKE_TRAINER_FAIL;
    }
  });
});
