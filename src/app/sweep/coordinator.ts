/**
 * `mtrank sweep ... --queue URL --store DIR`: enqueues one BullMQ job per trial not yet done in the store (job id =
 * the trial's config hash, so a second `sweep` — a restarted coordinator — adds nothing and simply re-attaches),
 * follows them with one progress bar, and writes sweep.json / sweep.html. The store is the truth: a trial is done
 * when its run folder is in STORE/runs; a job Redis lost (restarted empty) is enqueued again.
 */
import { createHash } from 'node:crypto';
import cliProgress from 'cli-progress';
import { MtrankError } from '../../util/errors.js';
import { checkEarlyStop, type EarlyStopSpec } from './early-stop.js';
import { planSweep, type PlannedRun, type SweepPlanInput } from './plan.js';
import {
  connectRedis,
  openQueue,
  parseQueueUrl,
  QUEUE_NAME,
  readJobStates,
  TRIAL_JOB_OPTIONS,
  type RedisClient,
  type TrialJobData,
} from './queue.js';
import { writeSweepResults } from './results.js';
import { TrialStore } from './store.js';
import { trialRow } from './trial-record.js';
import { counted } from '../../util/plural.js';

export interface QueueSweepOptions extends SweepPlanInput {
  queue: string;
  store: string;
  earlyStop?: EarlyStopSpec;
  paretoTasks?: [string, string];
  pollMs?: number;
  /** Stop following (the jobs stay queued); for tests of a coordinator that dies. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface QueueSweepResult {
  sweep: string;
  trials: number;
  /** Trials already done in the store when the command started. */
  alreadyDone: number;
  enqueued: number;
  finished: number;
  stopped: number;
  failed: { run: PlannedRun; reason: string }[];
  report?: string;
}

export async function runQueueSweep(o: QueueSweepOptions): Promise<QueueSweepResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  if (o.earlyStop) checkEarlyStop(o.earlyStop);
  const addr = parseQueueUrl(o.queue);
  const plan = planSweep(o);
  const store = new TrialStore(o.store);
  const hashes = plan.runs.map((r) => plan.trials.get(r)!.hash);
  const sweep = createHash('sha256')
    .update(JSON.stringify([hashes, o.earlyStop ?? null]))
    .digest('hex')
    .slice(0, 16);
  const jobData = (r: PlannedRun, index: number): TrialJobData => ({
    sweep,
    index,
    hash: hashes[index]!,
    sets: r.point.sets,
    seed: r.seed,
    config: plan.trials.get(r)!.config,
    earlyStop: o.earlyStop,
  });

  const client: RedisClient = await connectRedis(addr);
  const queue = openQueue(client, addr);
  const result: QueueSweepResult = {
    sweep,
    trials: plan.runs.length,
    alreadyDone: 0,
    enqueued: 0,
    finished: 0,
    stopped: 0,
    failed: [],
  };
  const failedReason = new Map<number, string>();
  try {
    // Enqueue what is not done; a job failed by an earlier attempt of this sweep is retried once more (the user
    // reran the command), while a running or waiting job is left alone. A completed job whose run is not in the
    // store (deleted since) is replaced: the store, not Redis, says what is done.
    const enqueue = (i: number) =>
      queue.add('trial', jobData(plan.runs[i]!, i), { ...TRIAL_JOB_OPTIONS, jobId: hashes[i]! });
    const notDone = plan.runs.flatMap((_, i) => (store.isDone(hashes[i]!) ? [] : [i]));
    result.alreadyDone = plan.runs.length - notDone.length;
    const before = await readJobStates(
      client,
      queue,
      notDone.map((i) => hashes[i]!),
    );
    for (const [k, i] of notDone.entries()) {
      const { state } = before[k]!;
      if (state === 'failed') await (await queue.getJob(hashes[i]!))?.retry('failed');
      else if (state === 'completed') await queue.remove(hashes[i]!);
      if (state === 'missing' || state === 'completed') {
        await enqueue(i);
        result.enqueued++;
      }
    }
    log(
      `sweep ${sweep}: ${counted(plan.runs.length, 'trial')} on ${QUEUE_NAME} (${addr.url}), store ${store.root}: ${result.alreadyDone} already done, ${result.enqueued} enqueued now`,
    );

    const bar = process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: 'sweep [{bar}] {value}/{total} trials | {running} running | {failed} failed', hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    bar?.start(plan.runs.length, 0, { running: 0, failed: 0 });
    let last = '';
    // A trial once in the store stays there (runs/<hash> is never overwritten), so it is not read again: checking
    // every done trial's run folder at every poll cost the coordinator ~5% of a core on a 12-trial sweep.
    const seenDone = new Set<number>();
    for (;;) {
      let running = 0;
      failedReason.clear();
      const pending = plan.runs.flatMap((_, i) => {
        if (seenDone.has(i) || store.isDone(hashes[i]!)) {
          seenDone.add(i);
          return [];
        }
        return [i];
      });
      // One round trip for all pending trials, whatever their number.
      const now = await readJobStates(
        client,
        queue,
        pending.map((i) => hashes[i]!),
      );
      for (const [k, i] of pending.entries()) {
        const { state, failedReason: reason } = now[k]!;
        if (state === 'missing') {
          // Redis lost it (restarted empty, flushed): the store says it is not done, so it goes back on the queue.
          await enqueue(i);
          log(`sweep ${sweep}: trial ${i} was missing from the queue; enqueued again`);
        } else if (state === 'failed') failedReason.set(i, reason ?? 'failed');
        else if (state === 'active') running++;
        else if (state === 'completed') {
          // A worker publishes the run before it completes the job: one published since the store was read is done.
          if (store.isDone(hashes[i]!)) seenDone.add(i);
          else
            failedReason.set(
              i,
              `job completed but ${store.runDir(hashes[i]!)} is missing (a worker with another --store?)`,
            );
        }
      }
      const done = seenDone.size;
      const line = `${done}/${counted(plan.runs.length, 'trial')} done, ${running} running, ${failedReason.size} failed`;
      if (bar) bar.update(done, { running, failed: failedReason.size });
      else if (line !== last) log(`sweep ${sweep}: ${line}`);
      last = line;
      if (done + failedReason.size === plan.runs.length) break;
      if (o.signal?.aborted) {
        bar?.stop();
        log(`sweep ${sweep}: no longer following; the trials stay queued (run the same command to re-attach)`);
        return result;
      }
      await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
    }
    bar?.stop();
  } finally {
    await queue.close();
    await client.quit().catch(() => {});
  }

  const indexOf = new Map(plan.runs.map((r, i) => [r, i]));
  result.report = await writeSweepResults(
    plan,
    (r) => {
      const i = indexOf.get(r)!;
      return trialRow(store.runDir(hashes[i]!), hashes[i]!, { sets: r.point.sets, seed: r.seed }, 'failed');
    },
    o.paretoTasks,
    { sweep, queue: addr.url, store: store.root },
  );
  for (const [i, r] of plan.runs.entries()) {
    const state = store.state(hashes[i]!);
    if (state === 'finished') result.finished++;
    else if (state === 'stopped') result.stopped++;
    else result.failed.push({ run: r, reason: failedReason.get(i) ?? 'not done' });
  }
  log(
    `sweep ${sweep}: ${result.finished} finished, ${result.stopped} stopped early, ${result.failed.length} failed; ${result.report}`,
  );
  if (result.failed.length)
    throw new MtrankError(
      `sweep: ${result.failed.length} of ${counted(plan.runs.length, 'trial')} failed:\n${result.failed
        .map(
          (f) =>
            `  ${f.run.point.sets.join(' ')}${f.run.seed !== undefined ? ` seed=${f.run.seed}` : ''}: ${f.reason.split('\n')[0]}`,
        )
        .join('\n')}\nrerun the same command to retry them`,
      { result },
    );
  return result;
}

/**
 * `mtrank sweep --status --queue URL`: per sweep on the queue, how many of its trials completed, run, wait or
 * failed, and what each running trial is at (its last evaluated step and its worker). It reads only Redis, so it
 * works with or without a coordinator following the sweep.
 */
export async function queueStatus(queueUrl: string): Promise<string> {
  const addr = parseQueueUrl(queueUrl);
  const client = await connectRedis(addr);
  const queue = openQueue(client, addr);
  try {
    const states = ['active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed'] as const;
    const sweeps = new Map<string, Map<string, number>>();
    const lines: string[] = [];
    for (const state of states)
      for (const job of await queue.getJobs([state])) {
        const d = job.data;
        const counts = sweeps.get(d.sweep) ?? sweeps.set(d.sweep, new Map()).get(d.sweep)!;
        const key = state === 'delayed' || state === 'prioritized' ? 'waiting' : state;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (state === 'active') {
          const p = job.progress as { step?: number; worker?: string } | number;
          const at = typeof p === 'object' && p ? `step ${p.step ?? '?'} on ${p.worker ?? '?'}` : 'starting';
          lines.push(`  running: sweep ${d.sweep} trial ${d.index} (${d.sets.join(' ')}) — ${at}`);
        } else if (state === 'failed')
          lines.push(
            `  failed:  sweep ${d.sweep} trial ${d.index} (${d.sets.join(' ')}) — ${(job.failedReason ?? '').split('\n')[0]}`,
          );
      }
    const head = [...sweeps].map(([id, c]) => {
      const n = (k: string) => c.get(k) ?? 0;
      const total = [...c.values()].reduce((a, b) => a + b, 0);
      return `sweep ${id}: ${n('completed')}/${counted(total, 'trial')} done, ${n('active')} running, ${n('waiting')} waiting, ${n('failed')} failed`;
    });
    return [
      `${QUEUE_NAME} on ${addr.url} (prefix ${addr.prefix}): ${sweeps.size ? counted(sweeps.size, 'sweep') : 'no sweep'}`,
      ...head,
      ...lines,
    ].join('\n');
  } finally {
    await queue.close();
    await client.quit().catch(() => {});
  }
}
