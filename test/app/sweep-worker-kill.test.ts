// A queue worker killed with SIGKILL mid-trial, with the real trainer, real worker processes and the real Redis:
// BullMQ's stalled-job check (a short --stalled-ms here) gives the trial to the other worker, which resumes it
// from the trial's last checkpoint; its test AUC must equal an uninterrupted training's, bit for bit.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runQueueSweep } from '../../src/app/sweep/coordinator.js';
import { TrialStore } from '../../src/app/sweep/store.js';
import { readTrialInfo } from '../../src/app/sweep/trial-record.js';
import { runTraining } from '../../src/training/run.js';
import { killAll, redisMissing, testQueue } from './redis-fixture.js';
import { resumableTrial } from './resumable-trial.js';

if (redisMissing) console.warn(`sweep-worker-kill: skipped (${redisMissing})`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(redisMissing)('a queue worker killed with SIGKILL mid-trial', () => {
  const root = mkdtempSync(join(tmpdir(), 'mtrank-worker-kill-'));
  const q = testQueue('worker-kill');
  const workers: ChildProcess[] = [];
  afterAll(async () => {
    await killAll(workers);
    await q.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('is recovered as a stalled job: another worker resumes the trial from its checkpoint, and no trial completes twice', async () => {
    const { config, sets } = await resumableTrial(root, 8);
    const store = new TrialStore(join(root, 'store'));
    const calls = join(root, 'trainer-calls.log');
    const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const trainer = [process.execPath, fileURLToPath(new URL('./logging-trainer.mjs', import.meta.url))];
    const startWorker = (name: string) => {
      const log = openSync(join(root, `${name}.log`), 'w');
      const w = spawn(
        process.execPath,
        [cli, 'worker', '--queue', q.url, '--store', store.root, '--stalled-ms', '2000'],
        {
          stdio: ['ignore', log, log],
          env: { ...process.env, MTRANK_SWEEP_TRAINER: JSON.stringify(trainer), TRAINER_CALLS: calls },
        },
      );
      workers.push(w);
      return w;
    };
    const [a, b] = [startWorker('a'), startWorker('b')];
    const sweep = runQueueSweep({
      config,
      grids: ['tasks.order.labelWeight=1,20'],
      sets,
      out: join(root, 'sweep'),
      queue: q.url,
      store: store.root,
      pollMs: 200,
      log: () => {},
    });
    sweep.catch(() => {});

    // The first trial with a checkpoint: its worker (owner.json) is killed with SIGKILL, its trainer dies with it.
    const t0 = Date.now();
    let victim: string | undefined;
    while (!victim) {
      expect(Date.now() - t0, 'no checkpoint within 120 s').toBeLessThan(120_000);
      await sleep(50);
      victim = (existsSync(join(store.root, 'work')) ? readdirSync(join(store.root, 'work')) : []).find((h) =>
        existsSync(join(store.workDir(h), 'run', 'checkpoints', 'last', 'manifest.json')),
      );
    }
    const owner = JSON.parse(readFileSync(join(store.workDir(victim), 'owner.json'), 'utf8')) as { pid: number };
    const killed = [a, b].find((w) => w.pid === owner.pid)!;
    const survivor = [a, b].find((w) => w !== killed)!;
    killed.kill('SIGKILL');
    await new Promise((r) => killed.on('exit', r));
    expect(existsSync(join(store.workDir(victim), 'run', 'metrics.json')), 'killed mid-trial').toBe(false);

    const r = await sweep;
    expect([r.trials, r.finished, r.failed.length]).toEqual([2, 2, 0]);
    // The victim trained twice (fresh, then resumed on the survivor); each trial ran to completion exactly once.
    const lines = readFileSync(calls, 'utf8').trim().split('\n');
    const runOf = (h: string) => join(store.workDir(h), 'run');
    const starts = (h: string) => lines.filter((l) => l.startsWith(`start ${runOf(h)} `)).map((l) => l.split(' ')[2]);
    expect(starts(victim)).toEqual(['fresh', 'resume']);
    const hashes = readdirSync(join(store.root, 'runs'));
    expect(hashes).toHaveLength(2);
    for (const h of hashes) expect(lines.filter((l) => l === `exit ${runOf(h)} 0`)).toHaveLength(1);
    expect(readTrialInfo(store.runDir(victim))).toMatchObject({
      status: 'finished',
      worker: `${hostname()}:${survivor.pid}`,
    });

    // The same config trained without interruption gives the same test metrics, bit for bit.
    const ref = await runTraining({
      config: join(store.runDir(victim), 'config.json'),
      out: join(root, 'ref'),
      quiet: 'silent',
    });
    const got = JSON.parse(readFileSync(join(store.runDir(victim), 'metrics.json'), 'utf8'));
    for (const task of ['click', 'cart', 'order']) expect(got.test[task].auc).toBe(ref.test![task]!.auc);
  }, 300_000);
});
