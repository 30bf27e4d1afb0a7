/** Watching a running trainer's metrics log: early-stop decisions (and progress) while it trains. */
import { existsSync, readFileSync } from 'node:fs';
import type { MetricsRecord } from '../../training/metrics-log.js';
import type { RunningTrainer } from './trainers.js';
import type { StopVerdict, TrialStopper } from './early-stop.js';

/** The whole lines of a metrics log that is being written (a torn last line is left for the next read). */
export function readGrowingLog(path: string): MetricsRecord[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const out: MetricsRecord[] = [];
  for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as MetricsRecord);
    } catch {
      // A line being rewritten by a resume's truncation; the next read sees it whole.
    }
  }
  return out;
}

/** The last step the log shows (train or eval), i.e. how far the trial trained. */
export function stepsTrained(records: MetricsRecord[]): number {
  return records.reduce((m, r) => (typeof r.step === 'number' && r.type !== 'test' ? Math.max(m, r.step) : m), 0);
}

export interface FollowOptions {
  stopper?: TrialStopper;
  onRecords?: (records: MetricsRecord[]) => void | Promise<void>;
  pollMs?: number;
}

/**
 * Polls `metricsPath` until the trial ends; when the stopper says stop, kills its trainer and returns the verdict.
 * A verdict reached only on the log of a trial that had already finished is not a stop (the trial is complete).
 */
export async function followTrial(
  running: RunningTrainer,
  metricsPath: string,
  o: FollowOptions,
): Promise<StopVerdict | undefined> {
  let exited = false;
  void running.exit.then(() => (exited = true));
  // A stop takes effect at the next read of the log: a trainer does ~200 steps a second on the bench's funnel, so
  // 200 ms would train ~40 steps past the rung that stopped it.
  const poll = o.pollMs ?? (o.stopper ? 50 : 200);
  for (;;) {
    const wasExited = exited;
    const records = readGrowingLog(metricsPath);
    await o.onRecords?.(records);
    const verdict = await o.stopper?.feed(records);
    if (verdict && !wasExited) {
      running.kill();
      await running.exit;
      return verdict;
    }
    if (wasExited) return undefined;
    await Promise.race([running.exit, new Promise((r) => setTimeout(r, poll))]);
  }
}
