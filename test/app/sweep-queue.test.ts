import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRungBook, TrialStopper, type EarlyStopSpec, type RungBook } from '../../src/app/sweep/early-stop.js';
import { runQueueSweep } from '../../src/app/sweep/coordinator.js';
import {
  connectRedis,
  openQueue,
  parseQueueUrl,
  QUEUE_NAME,
  readJobStates,
  RedisRungBook,
  type RedisClient,
  type TrialJobData,
} from '../../src/app/sweep/queue.js';
import { TrialStore } from '../../src/app/sweep/store.js';
import { MtrankError } from '../../src/util/errors.js';
import { fixtureConfig } from '../report/fixture-run.js';
import { processesWith } from './processes.js';
import { killAll, redisMissing, testQueue } from './redis-fixture.js';

describe('queue addresses and the Redis rung book', () => {
  it('parses redis URLs with an optional key prefix, and refuses others', () => {
    expect(parseQueueUrl('redis://127.0.0.1:6379/3?prefix=team-a')).toEqual({
      url: 'redis://127.0.0.1:6379/3',
      prefix: 'team-a',
    });
    expect(parseQueueUrl('redis://h').prefix).toBe('mtrank');
    expect(() => parseQueueUrl('http://h:6379')).toThrow(/redis:\/\//);
    expect(() => parseQueueUrl('redis://h:6379/x')).toThrow(/database must be a number/);
  });

  it('takes the same early-stop decisions as the in-memory book (HSETNX semantics on a map)', async () => {
    const hashes = new Map<string, Map<string, string>>();
    const h = (k: string) => hashes.get(k) ?? (hashes.set(k, new Map()), hashes.get(k)!);
    const fake: RedisClient = {
      hsetnx: async (k, f, v) => (h(k).has(f) ? 0 : (h(k).set(f, v), 1)),
      hget: async (k, f) => h(k).get(f) ?? null,
      hgetall: async (k) => Object.fromEntries(h(k)),
      hvals: async (k) => [...h(k).values()],
      eval: async () => {
        throw new Error('not used by the rung book');
      },
      quit: async () => 'OK',
      duplicate: () => fake,
    };
    const spec = (method: 'asha' | 'median'): EarlyStopSpec => ({
      method,
      metric: 'valid.order.auc',
      grace: 100,
      reduction: 2,
      minTrials: 1,
    });
    const run = async (book: RungBook, method: 'asha' | 'median') => {
      const out: (number | null)[] = [];
      for (const w of [5, 9, 1, 7, 3, 8, 2]) {
        const s = new TrialStopper(spec(method), book, `t${w}`);
        const log = [100, 200, 300, 400].map((step) => ({
          type: 'eval',
          step,
          split: 'valid',
          tasks: { order: { auc: 0.5 + 0.01 * w + 0.001 * step * ((w % 3) - 1) } },
        }));
        out.push((await s.feed(log as never))?.rung ?? null);
      }
      return out;
    };
    for (const method of ['asha', 'median'] as const)
      expect(await run(new RedisRungBook(fake, 'k'), method)).toEqual(await run(new MemoryRungBook(), method));
  });
});

// The rest needs the Redis server and BullMQ's driver (ioredis); this file's sweeps use their own key prefix.
if (redisMissing) console.warn(`sweep-queue: Redis-backed tests skipped (${redisMissing})`);

describe.skipIf(redisMissing)("the trials' job states, read in one round trip", () => {
  const q = testQueue('states');
  afterAll(() => q.close());

  it('agree with BullMQ getJobState for every state a trial passes through, failure reasons included', async () => {
    const addr = parseQueueUrl(q.url);
    const client = await connectRedis(addr);
    const queue = openQueue(client, addr);
    // A worker without a processor: the test moves jobs to active, completed and failed by hand.
    const workerClient = client.duplicate();
    const worker = new Worker<TrialJobData>(QUEUE_NAME, null, {
      connection: workerClient as never,
      prefix: addr.prefix,
    });
    try {
      const data = { index: 0 } as TrialJobData;
      const add = (id: string, opts: Record<string, unknown> = {}) => queue.add('trial', data, { jobId: id, ...opts });
      for (const id of ['done', 'broken', 'running', 'queued']) await add(id);
      await add('later', { delay: 60_000 });
      await add('urgent', { priority: 1 });
      // Taken in the order added: done, broken, running.
      const take = async () => (await worker.getNextJob('t'))!;
      await (await take()).moveToCompleted('ok', 't', false);
      await (await take()).moveToFailed(new Error('trainer exited with code 3'), 't', false);
      await take();
      const ids = ['done', 'broken', 'running', 'queued', 'later', 'urgent', 'never-added'];
      const got = await readJobStates(client, queue, ids);
      const expected = await Promise.all(
        ids.map(async (id) => {
          const bull = await queue.getJobState(id);
          const job = await queue.getJob(id);
          const state = !job ? 'missing' : ['completed', 'failed', 'active'].includes(bull) ? bull : 'waiting';
          return state === 'failed' ? { state, failedReason: job!.failedReason } : { state };
        }),
      );
      expect(got).toEqual(expected);
      // The states the comparison covers: each kind at least once (the test is not vacuous).
      expect(got.map((g) => g.state)).toEqual([
        'completed',
        'failed',
        'active',
        'waiting',
        'waiting',
        'waiting',
        'missing',
      ]);
      expect(got[1]!.failedReason).toBe('trainer exited with code 3');
      expect(await readJobStates(client, queue, [])).toEqual([]);
    } finally {
      await worker.close();
      await queue.close();
      await workerClient.quit();
      await client.quit();
    }
  }, 60_000);
});

describe.skipIf(redisMissing)('queue mode on a real Redis', () => {
  const root = mkdtempSync(join(tmpdir(), 'mtrank-queue-'));
  const q = testQueue('queue');
  const queue = q.url;
  const flush = q.flush;
  const workers: ChildProcess[] = [];
  afterAll(async () => {
    await killAll(workers);
    await q.close();
    rmSync(root, { recursive: true, force: true });
  });
  // Trials are jobs named by their config hash: each test sweeps its own config (seed), so no test finds another's.
  const configWithSeed = (seed: number) => {
    const file = join(root, `config-${seed}.json`);
    writeFileSync(
      file,
      JSON.stringify(fixtureConfig(['click', 'order'], { seed, features: { price: { type: 'numeric' } } })),
    );
    return file;
  };
  const config = configWithSeed(7);
  const fake = [process.execPath, fileURLToPath(new URL('./fake-trainer.mjs', import.meta.url))];
  const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  const startWorker = (store: string, env: Record<string, string> = {}) => {
    const w = spawn(process.execPath, [cli, 'worker', '--queue', queue, '--store', store, '--stalled-ms', '2000'], {
      stdio: 'ignore',
      env: { ...process.env, MTRANK_SWEEP_TRAINER: JSON.stringify(fake), ...env },
    });
    workers.push(w);
    return w;
  };
  const starts = (calls: string) =>
    existsSync(calls)
      ? readFileSync(calls, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('start'))
          .map((l) => l.split(' ')[1]!)
      : [];

  it('runs a 6-trial sweep over 2 worker processes, each trial exactly once', async () => {
    const calls = join(root, 'calls-six.log');
    const store = join(root, 'store-six');
    const env = { FAKE_TRAINER_CALLS: calls, FAKE_TRAINER_MS: '300' };
    startWorker(store, env);
    startWorker(store, env);
    const opts = {
      config,
      grids: ['tasks.order.labelWeight=1,10,100', 'model.type=shared-bottom,mmoe'],
      out: join(root, 'six'),
      queue,
      store,
      pollMs: 200,
      log: () => {},
    };
    const r = await runQueueSweep(opts);
    expect([r.trials, r.finished, r.failed.length]).toEqual([6, 6, 0]);
    const s = starts(calls);
    expect(s).toHaveLength(6);
    expect(new Set(s).size).toBe(6);
    expect(readdirSync(join(store, 'runs'))).toHaveLength(6);
    const workersUsed = new Set(
      readdirSync(join(store, 'runs')).map(
        (h) => JSON.parse(readFileSync(join(store, 'runs', h, 'trial.json'), 'utf8')).worker,
      ),
    );
    expect(workersUsed.size).toBe(2);
    expect(readFileSync(join(root, 'six', 'sweep.html'), 'utf8')).toContain('Pareto front');
    // A second coordinator (a restart) finds everything done and enqueues nothing.
    const again = await runQueueSweep(opts);
    expect([again.alreadyDone, again.enqueued]).toEqual([6, 0]);
  }, 180_000);

  it('after Redis is flushed mid-sweep, rerunning the sweep completes only the missing trials', async () => {
    for (const w of workers.splice(0)) w.kill('SIGKILL');
    const calls = join(root, 'calls-flush.log');
    const store = join(root, 'store-flush');
    const env = { FAKE_TRAINER_CALLS: calls, FAKE_TRAINER_MS: '400' };
    const opts = {
      config: configWithSeed(6),
      grids: ['tasks.order.labelWeight=1,2,3,4,5,6'],
      out: join(root, 'flush'),
      queue,
      store,
      pollMs: 200,
      log: () => {},
    };
    const abort = new AbortController();
    const first = runQueueSweep({ ...opts, signal: abort.signal });
    const w1 = startWorker(store, env);
    const t = new TrialStore(store);
    while (!existsSync(join(store, 'runs')) || readdirSync(join(store, 'runs')).length < 2)
      await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    await first;
    w1.kill('SIGKILL');
    await new Promise((r) => w1.on('exit', r));
    // Its trainers die with it (the orphan guard); one spawned just before the kill may still log its start.
    while (processesWith(store).length > 0) await new Promise((r) => setTimeout(r, 50));
    await flush();
    const doneBefore = readdirSync(join(store, 'runs'));
    const startsBefore = starts(calls).length;
    startWorker(store, env);
    const r = await runQueueSweep(opts);
    expect(r.alreadyDone).toBe(doneBefore.length);
    expect(r.finished).toBe(6);
    // Only the trials without a finished run in the store trained again.
    const rerun = starts(calls).slice(startsBefore);
    expect(rerun).toHaveLength(6 - doneBefore.length);
    for (const h of doneBefore) expect(rerun.some((dir) => dir.includes(h))).toBe(false);
    expect(readdirSync(join(store, 'runs')).every((h) => t.state(h) === 'finished')).toBe(true);
  }, 180_000);
  it('a following coordinator puts back the jobs Redis lost, and a job completed elsewhere is not counted done', async () => {
    for (const w of workers.splice(0)) w.kill('SIGKILL');
    const store = join(root, 'store-lost');
    const lines: string[] = [];
    const opts = {
      config: configWithSeed(4),
      grids: ['tasks.order.labelWeight=1,2,3'],
      out: join(root, 'lost'),
      queue,
      store,
      pollMs: 100,
      log: (l: string) => lines.push(l),
    };
    // No worker yet: the jobs wait; then Redis loses them while the coordinator follows.
    const sweep = runQueueSweep(opts);
    while (!lines.some((l) => l.includes('3 enqueued now'))) await new Promise((r) => setTimeout(r, 20));
    await flush();
    while (lines.filter((l) => l.includes('was missing from the queue; enqueued again')).length < 3)
      await new Promise((r) => setTimeout(r, 20));
    startWorker(store);
    const r = await sweep;
    expect([r.finished, r.failed.length]).toEqual([3, 0]);
    expect(readdirSync(join(store, 'runs'))).toHaveLength(3);

    // A worker publishing into another store completes the job, but the coordinator's store has no run: a failure.
    for (const w of workers.splice(0)) w.kill('SIGKILL');
    startWorker(join(root, 'store-elsewhere'));
    const err = await runQueueSweep({ ...opts, config: configWithSeed(3), out: join(root, 'elsewhere') }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MtrankError);
    expect((err as MtrankError).message).toMatch(
      /^sweep: 3 of 3 trials failed:\n {2}tasks\.order\.labelWeight=1: job completed but \S+ is missing \(a worker with another --store\?\)/,
    );
  }, 180_000);
  const cliRun = (args: string[], logFile: string) => {
    const log = openSync(logFile, 'w');
    const p = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', log, log] });
    return { p, exit: new Promise<number | null>((r) => p.on('exit', (code) => r(code))) };
  };
  const status = async () => {
    const out = join(root, `status-${Date.now()}.txt`);
    await cliRun(['sweep', '--status', '--queue', queue], out).exit;
    return readFileSync(out, 'utf8');
  };

  it('a coordinator killed with SIGKILL and started again re-attaches and completes; --status shows progress meanwhile', async () => {
    for (const w of workers.splice(0)) w.kill('SIGKILL');
    const calls = join(root, 'calls-coord.log');
    const store = join(root, 'store-coord');
    const hold = join(root, 'hold-coord');
    startWorker(store, { FAKE_TRAINER_CALLS: calls, FAKE_TRAINER_STEP_MS: '300', FAKE_TRAINER_HOLD: hold });
    const args = ['sweep', configWithSeed(8), '--grid', 'tasks.order.labelWeight=1,2,3,4,5'];
    args.push('--queue', queue, '--store', store, '--out', join(root, 'coord'));
    const first = cliRun(args, join(root, 'coord-1.log'));
    while (!existsSync(join(store, 'runs'))) await new Promise((r) => setTimeout(r, 50));
    first.p.kill('SIGKILL');
    expect(await first.exit).toBe(null);

    // No coordinator now: the worker goes on, and --status reads the progress from Redis alone. The next trial
    // to report a step is held there until --status has seen it (on a loaded machine the trials could otherwise
    // all finish between two status calls, each of which starts a Node process).
    writeFileSync(hold, '');
    let text = '';
    for (const t0 = Date.now(); !/running: .* step \d+ on /.test(text); text = await status())
      expect(Date.now() - t0, `no running trial with a step in --status:\n${text}`).toBeLessThan(120_000);
    rmSync(hold);
    expect(text).toMatch(/sweep [0-9a-f]{16}: [1-4]\/5 trials done, 1 running, [0-3] waiting, 0 failed/);
    expect(text).toMatch(/running: sweep [0-9a-f]{16} trial \d \(tasks\.order\.labelWeight=\d\) — step \d+ on \S+:\d+/);

    const second = cliRun(args, join(root, 'coord-2.log'));
    expect(await second.exit).toBe(0);
    const said = readFileSync(join(root, 'coord-2.log'), 'utf8');
    expect(said).toMatch(/5 trials .*: \d already done, 0 enqueued now/);
    expect(said).toMatch(/5 finished, 0 stopped early, 0 failed/);
    const s = starts(calls);
    expect([s.length, new Set(s).size]).toEqual([5, 5]);
    const plan = JSON.parse(readFileSync(join(root, 'coord', 'sweep.json'), 'utf8'));
    expect(plan.runs.map((r: { status: string }) => r.status)).toEqual(Array(5).fill('finished'));
    expect(await status()).toMatch(/sweep [0-9a-f]{16}: 5\/5 trials done, 0 running, 0 waiting, 0 failed/);
  }, 300_000);

  it('a trial that fails its data check fails once, clearly, and is not retried', async () => {
    for (const w of workers.splice(0)) w.kill('SIGKILL');
    const calls = join(root, 'calls-fail.log');
    const store = join(root, 'store-fail');
    startWorker(store, { FAKE_TRAINER_CALLS: calls, FAKE_TRAINER_FAIL_WEIGHT: '2' });
    const err = await runQueueSweep({
      config: configWithSeed(9),
      grids: ['tasks.order.labelWeight=1,2,3'],
      out: join(root, 'fail'),
      queue,
      store,
      pollMs: 200,
      log: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MtrankError);
    const message = (err as MtrankError).message;
    expect(message).toMatch(
      /^sweep: 1 of 3 trials failed:\n {2}tasks\.order\.labelWeight=2: trial .* exited with code 3; log \S+train\.log\n/,
    );
    expect(readdirSync(join(store, 'runs'))).toHaveLength(2);
    // Longer than the retry backoff (2 s): a retried job would have started the trainer again by now.
    await new Promise((r) => setTimeout(r, 3000));
    const s = starts(calls);
    expect([s.length, new Set(s).size]).toEqual([3, 3]);
    const failedLog = join(
      dirname(s.find((dir) => !existsSync(join(store, 'runs', basename(dirname(dir)))))!),
      'train.log',
    );
    expect(readFileSync(failedLog, 'utf8')).toContain('data check failed as asked');
    expect(await status()).toMatch(
      /failed: {2}sweep [0-9a-f]{16} trial 1 \(tasks\.order\.labelWeight=2\) — trial .* exited with code 3/,
    );
  }, 180_000);
  it('ASHA through Redis stops the trials the hand-computed schedule of early-stop.test.ts says (w=1, w=3 at 100)', async () => {
    for (const w of workers.splice(0)) w.kill('SIGKILL');
    const store = join(root, 'store-asha');
    // One worker takes the trials in queue order (w = 10, 1000, 1, 300, 3), the order the schedule was computed in.
    startWorker(store, { FAKE_TRAINER_STEP_MS: '400' });
    const r = await runQueueSweep({
      config: configWithSeed(5),
      grids: ['tasks.order.labelWeight=10,1000,1,300,3'],
      out: join(root, 'asha'),
      queue,
      store,
      earlyStop: { method: 'asha', metric: 'valid.order.auc', grace: 100, reduction: 2, minTrials: 1 },
      pollMs: 200,
      log: () => {},
    });
    expect([r.finished, r.stopped, r.failed.length]).toEqual([3, 2, 0]);
    const plan = JSON.parse(readFileSync(join(root, 'asha', 'sweep.json'), 'utf8'));
    expect(plan.runs.map((x: { status: string }) => x.status)).toEqual([
      'finished',
      'finished',
      'stopped',
      'finished',
      'stopped',
    ]);
    for (const i of [2, 4])
      expect(JSON.parse(readFileSync(join(plan.runs[i].dir, 'trial.json'), 'utf8'))).toMatchObject({
        status: 'stopped',
        stop: { rung: 100, method: 'asha' },
      });
  }, 180_000);
});
