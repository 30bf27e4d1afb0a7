/**
 * The real Redis of the queue-mode tests (127.0.0.1:6379, DB 11), when it and BullMQ's driver (ioredis) are there.
 * Every test file gets its own key prefix and deletes only its own keys (the Redis is shared).
 */
import type { ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';

const driver = 'ioredis';
const ioredis = await import(driver).catch(() => undefined);
const redisUp = await new Promise<boolean>((resolve) => {
  const s = createConnection({ host: '127.0.0.1', port: 6379 }, () => (s.end(), resolve(true)));
  s.on('error', () => resolve(false));
});

/** Why the Redis-backed tests are skipped, or undefined when they can run. */
export const redisMissing = !ioredis
  ? "the 'ioredis' package is not installed"
  : !redisUp
    ? 'no Redis on 127.0.0.1:6379'
    : undefined;

export interface TestQueue {
  /** `redis://127.0.0.1:6379/11?prefix=<unique>` */
  url: string;
  prefix: string;
  /** Deletes this queue's keys (what "Redis restarted empty" means for this test's sweeps). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function testQueue(name: string): TestQueue {
  const prefix = `mtrank-test-${name}-${process.pid}-${Date.now()}`;
  const Redis = ioredis?.Redis ?? ioredis?.default;
  const admin = redisMissing ? undefined : new Redis('redis://127.0.0.1:6379/11');
  const flush = async () => {
    if (!admin) return;
    const keys: string[] = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
  };
  return {
    url: `redis://127.0.0.1:6379/11?prefix=${prefix}`,
    prefix,
    flush,
    async close() {
      await flush();
      await admin?.quit();
    },
  };
}

/** Kills worker processes and waits until they are gone, so none writes to Redis after the keys are deleted. */
export async function killAll(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers
      .filter((w) => w.exitCode === null && w.signalCode === null)
      .map((w) => {
        const gone = new Promise((r) => w.once('exit', r));
        w.kill('SIGKILL');
        return gone;
      }),
  );
}
