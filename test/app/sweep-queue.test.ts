import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRungBook, TrialStopper, type EarlyStopSpec, type RungBook } from '../../src/app/sweep/early-stop.js';
import { runQueueSweep } from '../../src/app/sweep/coordinator.js';
import { parseQueueUrl, RedisRungBook, type RedisClient } from '../../src/app/sweep/queue.js';
import { TrialStore } from '../../src/app/sweep/store.js';
import { fixtureConfig } from '../report/fixture-run.js';

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

// The rest needs a Redis server and BullMQ's driver (ioredis); each run uses its own key prefix in DB 11.
const driver = 'ioredis';
const ioredis = await import(driver).catch(() => undefined);
const redisUp = await new Promise<boolean>((resolve) => {
  const s = createConnection({ host: '127.0.0.1', port: 6379 }, () => (s.end(), resolve(true)));
  s.on('error', () => resolve(false));
});
const ready = Boolean(ioredis) && redisUp;
if (!ready)
  console.warn(
    `sweep-queue: Redis-backed tests skipped (${!ioredis ? "the 'ioredis' package is not installed" : 'no Redis on 127.0.0.1:6379'})`,
  );

describe.skipIf(!ready)('queue mode on a real Redis', () => {
  const root = mkdtempSync(join(tmpdir(), 'mtrank-queue-'));
  const prefix = `mtrank-test-${process.pid}-${Date.now()}`;
  const queue = `redis://127.0.0.1:6379/11?prefix=${prefix}`;
  const Redis = ioredis?.Redis ?? ioredis?.default;
  const admin = ready ? new Redis('redis://127.0.0.1:6379/11') : undefined;
  const workers: ChildProcess[] = [];
  const flush = async () => {
    const keys: string[] = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
  };
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await flush();
    await admin?.quit();
    rmSync(root, { recursive: true, force: true });
  });
  const config = join(root, 'config.json');
  writeFileSync(
    config,
    JSON.stringify(fixtureConfig(['click', 'order'], { seed: 7, features: { price: { type: 'numeric' } } })),
  );
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
  }, 60_000);

  it('after Redis is flushed mid-sweep, rerunning the sweep completes only the missing trials', async () => {
    for (const w of workers.splice(0)) w.kill('SIGKILL');
    const calls = join(root, 'calls-flush.log');
    const store = join(root, 'store-flush');
    const env = { FAKE_TRAINER_CALLS: calls, FAKE_TRAINER_MS: '400' };
    const opts = {
      config,
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
  }, 60_000);
});
