// Following a trial's metrics log: with a stopper, an evaluation is acted on when it is written (a file watch),
// not at the next poll.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StopVerdict, TrialStopper } from '../../src/app/sweep/early-stop.js';
import { followTrial } from '../../src/app/sweep/follow.js';
import type { ChildExit } from '../../src/app/sweep/child.js';
import type { MetricsRecord } from '../../src/training/metrics-log.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-follow-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const line = (r: object) => JSON.stringify(r) + '\n';

/** A trial that ends only when killed, and a stopper that stops at the first evaluation at step ≥ 100. */
function fixture() {
  let end!: (e: ChildExit) => void;
  const kills: number[] = [];
  const running = {
    pid: 1,
    kill: () => {
      kills.push(Date.now());
      end({ code: null, signal: 'SIGKILL' });
    },
    exit: new Promise<ChildExit>((r) => (end = r)),
  };
  const stopper = {
    feed: async (records: MetricsRecord[]): Promise<StopVerdict | undefined> => {
      const e = records.find((r) => r.type === 'eval' && (r.step as number) >= 100);
      return e ? { step: e.step as number, rung: 0, value: 0.5 } : undefined;
    },
  } as unknown as TrialStopper;
  return { running, stopper, kills };
}

describe('followTrial', () => {
  it('acts on an evaluation as soon as it is written, without waiting for the poll', async () => {
    const log = join(root, 'a.jsonl');
    writeFileSync(log, line({ type: 'config' }));
    const { running, stopper, kills } = fixture();
    // A poll of one hour: only the watch can deliver the evaluation in this test's time.
    const followed = followTrial(running, log, { stopper, pollMs: 3_600_000 });
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(log, line({ type: 'eval', step: 50 }));
    await new Promise((r) => setTimeout(r, 100));
    expect(kills).toEqual([]);
    appendFileSync(log, line({ type: 'eval', step: 100 }));
    expect(await followed).toMatchObject({ step: 100 });
    expect(kills).toHaveLength(1);
  }, 20_000);

  it('still finds a log that appears after it started (watched once it exists)', async () => {
    const log = join(root, 'b.jsonl');
    const { running, stopper } = fixture();
    const followed = followTrial(running, log, { stopper, pollMs: 200 });
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(log, line({ type: 'config' }));
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(log, line({ type: 'eval', step: 120 }));
    expect(await followed).toMatchObject({ step: 120 });
  }, 20_000);

  it('returns no verdict for a trial that ends by itself', async () => {
    const log = join(root, 'c.jsonl');
    writeFileSync(log, line({ type: 'eval', step: 10 }));
    const { running, stopper, kills } = fixture();
    const followed = followTrial({ ...running, exit: Promise.resolve({ code: 0, signal: null }) }, log, { stopper });
    expect(await followed).toBeUndefined();
    expect(kills).toEqual([]);
  });
});
