// The warm trainer (trainers.ts + trainer-host.ts): trials run one after another in one process give the same
// run folders as trials in fresh processes, each with its own log; anything but a clean finish retires the process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultTrainCommand } from '../../src/app/sweep/child.js';
import { processPerTrial, warmTrainers } from '../../src/app/sweep/trainers.js';
import { processAlive } from '../../src/util/pid.js';
import { resumableTrial } from './resumable-trial.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-warm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const trainArgs = (config: string, sets: string[], out: string) => [
  'train',
  config,
  '--out',
  out,
  '--quiet',
  '--no-report',
  ...sets.flatMap((s) => ['--set', s]),
];
/** What a trial learned: its metrics (without throughput and the process's peak memory) and test predictions. */
function learned(dir: string) {
  const { trainExamplesPerSec, peakRssMb, ...metrics } = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  expect([trainExamplesPerSec, peakRssMb].every((v) => v > 0)).toBe(true);
  return { metrics, predictions: readFileSync(join(dir, 'predictions', 'test.csv'), 'utf8') };
}

describe('a warm trainer', () => {
  it('runs trials one after another in one process, each as a fresh process would, each logging to its own file', async () => {
    const { config, sets } = await resumableTrial(root, 3);
    const weights = ['1', '20', '1'];
    const warm = warmTrainers();
    const pids: (number | undefined)[] = [];
    try {
      for (const [i, w] of weights.entries()) {
        const t = warm.start(
          trainArgs(config, [...sets, `tasks.order.labelWeight=${w}`], join(root, `warm${i}`)),
          join(root, `warm${i}.log`),
        );
        pids.push(t.pid);
        expect(await t.exit).toEqual({ code: 0, signal: null });
      }
    } finally {
      await warm.close();
    }
    expect(new Set(pids).size, 'one process ran all three').toBe(1);
    expect(processAlive(pids[0]!), 'closed').toBe(false);

    const fresh = processPerTrial(defaultTrainCommand());
    for (const i of [0, 1]) {
      const t = fresh.start(
        trainArgs(config, [...sets, `tasks.order.labelWeight=${weights[i]}`], join(root, `fresh${i}`)),
        join(root, `fresh${i}.log`),
      );
      expect((await t.exit).code).toBe(0);
    }
    // Bit for bit: nothing of one trial leaks into the next (the third repeats the first after another one).
    expect(learned(join(root, 'warm0'))).toEqual(learned(join(root, 'fresh0')));
    expect(learned(join(root, 'warm1'))).toEqual(learned(join(root, 'fresh1')));
    expect(learned(join(root, 'warm2'))).toEqual(learned(join(root, 'fresh0')));
    expect(learned(join(root, 'warm1')).metrics.test).not.toEqual(learned(join(root, 'warm0')).metrics.test);
    // Each log holds its trial's final table once, as a fresh process's log does.
    for (const i of [0, 1, 2]) {
      const log = readFileSync(join(root, `warm${i}.log`), 'utf8');
      expect(log.match(/^test split/gm) ?? [], log).toHaveLength(1);
      expect(log).toContain(join(root, `warm${i}`));
    }
    expect(readFileSync(join(root, 'fresh0.log'), 'utf8').match(/^test split/gm)).toHaveLength(1);
  }, 180_000);

  it('ends the process after a failed trial, with the exit code and message of `mtrank train`', async () => {
    const { config, sets } = await resumableTrial(root, 1);
    const warm = warmTrainers();
    try {
      const ok = warm.start(trainArgs(config, sets, join(root, 'ok')), join(root, 'ok.log'));
      expect((await ok.exit).code).toBe(0);
      const bad = warm.start(
        trainArgs(config, [...sets, 'training.epochs=abc'], join(root, 'bad')),
        join(root, 'bad.log'),
      );
      expect(bad.pid).toBe(ok.pid);
      const fresh = processPerTrial(defaultTrainCommand()).start(
        trainArgs(config, [...sets, 'training.epochs=abc'], join(root, 'bad-fresh')),
        join(root, 'bad-fresh.log'),
      );
      const [warmExit, freshExit] = [await bad.exit, await fresh.exit];
      expect(warmExit.code).not.toBe(0);
      expect(warmExit).toEqual(freshExit);
      const log = (f: string) => readFileSync(join(root, f), 'utf8');
      expect(log('bad.log')).toMatch(/^mtrank: [\s\S]*training\.epochs/m);
      expect(log('bad.log')).toBe(log('bad-fresh.log'));
      expect(processAlive(ok.pid!)).toBe(false);
      // The next trial gets a new process.
      const next = warm.start(trainArgs(config, sets, join(root, 'next')), join(root, 'next.log'));
      expect(next.pid).not.toBe(ok.pid);
      expect((await next.exit).code).toBe(0);
    } finally {
      await warm.close();
    }
  }, 180_000);

  it('kill() ends the trial and its process at once; the next trial gets a new process', async () => {
    const { config, sets } = await resumableTrial(root, 1000);
    const warm = warmTrainers();
    try {
      const t = warm.start(trainArgs(config, sets, join(root, 'long')), join(root, 'long.log'));
      const checkpoint = join(root, 'long', 'checkpoints', 'last', 'manifest.json');
      const t0 = Date.now();
      while (!existsSync(checkpoint)) {
        expect(Date.now() - t0, 'no checkpoint within 60 s').toBeLessThan(60_000);
        await sleep(50);
      }
      t.kill();
      expect(await t.exit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(processAlive(t.pid!)).toBe(false);
      t.kill(); // a no-op once ended
      const short = await resumableTrial(root, 1);
      const next = warm.start(
        trainArgs(short.config, short.sets, join(root, 'after-kill')),
        join(root, 'after-kill.log'),
      );
      expect(next.pid).not.toBe(t.pid);
      expect((await next.exit).code).toBe(0);
    } finally {
      await warm.close();
    }
  }, 180_000);

  it('is replaced after maxTrials trials', async () => {
    const { config, sets } = await resumableTrial(root, 1);
    const warm = warmTrainers({ maxTrials: 2 });
    const pids: (number | undefined)[] = [];
    try {
      for (const i of [0, 1, 2]) {
        const t = warm.start(
          trainArgs(config, [...sets, `seed=${i}`], join(root, `max${i}`)),
          join(root, `max${i}.log`),
        );
        pids.push(t.pid);
        expect((await t.exit).code).toBe(0);
      }
    } finally {
      await warm.close();
    }
    expect(pids[1]).toBe(pids[0]);
    expect(pids[2]).not.toBe(pids[0]);
  }, 180_000);

  it('serves `mtrank sweep` in local mode to the end: the command exits 0 after writing its reports', async () => {
    // The CLI process itself, not a test harness that keeps the event loop alive: a warm process left idle must
    // not let the sweep exit before its reports are written.
    const { config, sets } = await resumableTrial(root, 1);
    const out = join(root, 'cli-sweep');
    const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const r = spawnSync(
      process.execPath,
      [
        cli,
        'sweep',
        config,
        '--grid',
        'tasks.order.labelWeight=1,20',
        ...sets.flatMap((x) => ['--set', x]),
        '--out',
        out,
        '--no-png',
      ],
      { encoding: 'utf8', env: { ...process.env, MTRANK_SWEEP_TRAINER: '' } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(out, 'sweep.html'))).toBe(true);
    const plan = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { runs: { status: string }[] };
    expect(plan.runs.map((x) => x.status)).toEqual(['finished', 'finished']);
  }, 180_000);
});
