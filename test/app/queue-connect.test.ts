// Queue mode against a Redis that is not there: one line naming the URL, not an endless retry with stack traces.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectRedis, parseQueueUrl } from '../../src/app/sweep/queue.js';
import { MtrankError } from '../../src/util/errors.js';

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('connectRedis', () => {
  it('fails at once with one line when nothing listens at the URL (password masked)', async () => {
    const port = await closedPort();
    const err = await connectRedis(parseQueueUrl(`redis://:secret@127.0.0.1:${port}/7`)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MtrankError);
    expect((err as MtrankError).kind).toBe('io');
    expect((err as Error).message).toBe(
      `--queue redis://:***@127.0.0.1:${port}/7: cannot reach Redis (ECONNREFUSED); start redis-server there or fix the URL`,
    );
  });
});
