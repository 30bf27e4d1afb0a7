// The warm trainer (trainers.ts + trainer-host.ts): trials run one after another in one process give the same
// run folders as trials in fresh processes, each with its own log; anything but a clean finish retires the process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultTrainCommand } from '../../src/app/sweep/child.js';
import { processPerTrial, warmTrainers, type TrainerLauncher } from '../../src/app/sweep/trainers.js';
import { processAlive } from '../../src/util/pid.js';
import { resumableTrial } from './resumable-trial.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-warm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `train CONFIG` into root/NAME, its log root/NAME.log. */
const startTrial = (launcher: TrainerLauncher, config: string, sets: string[], name: string) =>
  launcher.start(
    ['train', config, '--out', join(root, name), '--quiet', '--no-report', ...sets.flatMap((s) => ['--set', s])],
    join(root, `${name}.log`),
  );

/** Trains `[name, sets]` one after another, each to a clean finish; the pids they ran in. */
async function trainInTurn(launcher: TrainerLauncher, config: string, runs: [string, string[]][]) {
  const pids: (number | undefined)[] = [];
  for (const [name, sets] of runs) {
    const t = startTrial(launcher, config, sets, name);
    pids.push(t.pid);
    expect(await t.exit).toEqual({ code: 0, signal: null });
  }
  return pids;
}
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
    const withWeight = (w: string) => [...sets, `tasks.order.labelWeight=${w}`];
    const warm = warmTrainers();
    let pids: (number | undefined)[];
    try {
      pids = await trainInTurn(
        warm,
        config,
        [...weights.entries()].map(([i, w]) => [`warm${i}`, withWeight(w)]),
      );
    } finally {
      await warm.close();
    }
    expect(new Set(pids).size, 'one process ran all three').toBe(1);
    expect(processAlive(pids[0]!), 'closed').toBe(false);

    await trainInTurn(processPerTrial(defaultTrainCommand()), config, [
      ['fresh0', withWeight(weights[0]!)],
      ['fresh1', withWeight(weights[1]!)],
    ]);
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
      const ok = startTrial(warm, config, sets, 'ok');
      expect((await ok.exit).code).toBe(0);
      const bad = startTrial(warm, config, [...sets, 'training.epochs=abc'], 'bad');
      expect(bad.pid).toBe(ok.pid);
      const fresh = startTrial(
        processPerTrial(defaultTrainCommand()),
        config,
        [...sets, 'training.epochs=abc'],
        'bad-fresh',
      );
      const [warmExit, freshExit] = [await bad.exit, await fresh.exit];
      expect(warmExit.code).not.toBe(0);
      expect(warmExit).toEqual(freshExit);
      const log = (f: string) => readFileSync(join(root, f), 'utf8');
      expect(log('bad.log')).toMatch(/^mtrank: [\s\S]*training\.epochs/m);
      expect(log('bad.log')).toBe(log('bad-fresh.log'));
      expect(processAlive(ok.pid!)).toBe(false);
      // The next trial gets a new process.
      const next = startTrial(warm, config, sets, 'next');
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
      const t = startTrial(warm, config, sets, 'long');
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
      const next = startTrial(warm, short.config, short.sets, 'after-kill');
      expect(next.pid).not.toBe(t.pid);
      expect((await next.exit).code).toBe(0);
    } finally {
      await warm.close();
    }
  }, 180_000);

  it('is replaced after maxTrials trials', async () => {
    const { config, sets } = await resumableTrial(root, 1);
    const warm = warmTrainers({ maxTrials: 2 });
    let pids: (number | undefined)[];
    try {
      pids = await trainInTurn(
        warm,
        config,
        [0, 1, 2].map((i) => [`max${i}`, [...sets, `seed=${i}`]]),
      );
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
