/**
 * `mtrank worker`: takes trials off the sweep queue, `concurrency` at a time, each in a trainer process (runTrial;
 * a warm one reused while trials finish cleanly, trainers.ts). BullMQ's lock on an active job is renewed while the worker lives; when the worker dies (kill -9, a
 * lost machine) the lock lapses after `stalledMs`, another worker's stalled-job check puts the job back, and the
 * next worker resumes the trial from its last checkpoint in the shared store.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import { trainerFor } from './trainers.js';
import { connectRedis, parseQueueUrl, QUEUE_NAME, RedisRungBook, type TrialJobData } from './queue.js';
import { runTrial, TrialFailed, type TrialOutcome } from './run-trial.js';
import { TrialStore } from './store.js';
import { workerName } from './trial-record.js';

export interface QueueWorkerOptions {
  queue: string;
  store: string;
  concurrency?: number;
  /** How long a dead worker's trial stays locked before another worker takes it over (default 30 s). */
  stalledMs?: number;
  /** A program to run per trial instead of mtrank's warm trainer (tests' fakes). */
  trainCommand?: string[];
  /** Trials one trainer process runs before it is replaced (default 20; 1: a new process per trial). */
  trainerReuse?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Stops taking trials and waits for the running ones. */
  close(): Promise<void>;
}

const trialName = (d: TrialJobData) => `${d.sets.join(' ')}${d.seed !== undefined ? ` seed=${d.seed}` : ''}`;

export async function startQueueWorker(o: QueueWorkerOptions): Promise<RunningWorker> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const addr = parseQueueUrl(o.queue);
  const store = new TrialStore(o.store);
  const client = await connectRedis(addr);
  const bookClient = client.duplicate();
  const stalledMs = o.stalledMs ?? 30_000;
  const trainer = trainerFor(o);
  const me = workerName();

  const worker = new Worker<TrialJobData, TrialOutcome>(
    QUEUE_NAME,
    async (job) => {
      const d = job.data;
      log(`worker ${me}: trial ${d.index} (${trialName(d)}), attempt ${job.attemptsMade + 1}`);
      try {
        const outcome = await runTrial(d, store, {
          trainer,
          book: d.earlyStop ? RedisRungBook.forSweep(bookClient, addr, d.sweep) : undefined,
          // Progress is informative: a Redis hiccup must not fail the trial.
          onEval: (step) => job.updateProgress({ step, worker: me }).catch(() => {}),
        });
        log(`worker ${me}: trial ${d.index} ${outcome.status}${outcome.resumed ? ' (resumed)' : ''}`);
        return outcome;
      } catch (e) {
        if (e instanceof TrialFailed) throw new UnrecoverableError(e.message);
        throw e;
      }
    },
    {
      connection: client as never,
      prefix: addr.prefix,
      concurrency: o.concurrency ?? 1,
      lockDuration: stalledMs,
      stalledInterval: Math.max(500, Math.floor(stalledMs / 2)),
      // A trial can outlive several dead workers; each takeover resumes it, so stalls are not failures.
      maxStalledCount: 10,
    },
  );
  worker.on('failed', (job, err) => log(`worker ${me}: trial ${job?.data.index ?? '?'} failed: ${err.message}`));
  worker.on('error', (err) => log(`worker ${me}: ${err.message}`));
  await worker.waitUntilReady();
  log(`worker ${me}: serving ${QUEUE_NAME} on ${addr.url} (prefix ${addr.prefix}), store ${store.root}`);
  return {
    async close() {
      await worker.close();
      await trainer.close();
      await bookClient.quit().catch(() => {});
      await client.quit().catch(() => {});
    },
  };
}
