/** Watching a running trainer's metrics log: early-stop decisions (and progress) while it trains. */
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
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

/** Fewest milliseconds between two reads of the log when watching it: a trainer appends a record every few steps. */
const MIN_READ_GAP_MS = 20;

/**
 * Waits between two reads of a trial's metrics log. When `watched`, it also wakes on a change of the file (inotify
 * through fs.watch, once the file exists), so a stop acts on an evaluation within milliseconds instead of at the
 * next poll; the poll stays as the fallback (a shared store on NFS sends no events).
 */
class LogWatch {
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  constructor(
    private readonly path: string,
    private readonly watched: boolean,
  ) {}

  /** Resolves on a change of the log (at least MIN_READ_GAP_MS after `since`), on `other`, or after `ms`. */
  async next(ms: number, other: Promise<unknown>, since: number): Promise<void> {
    this.arm();
    let timer: NodeJS.Timeout | undefined;
    const changed = new Promise<void>((resolve) => {
      this.wake = resolve;
      timer = setTimeout(resolve, ms);
    });
    await Promise.race([other, changed]).finally(() => clearTimeout(timer));
    const gap = MIN_READ_GAP_MS - (performance.now() - since);
    if (this.watched && gap > 0) await new Promise((r) => setTimeout(r, gap));
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private arm(): void {
    if (!this.watched || this.watcher || !existsSync(this.path)) return;
    try {
      this.watcher = watch(this.path, (event) => {
        if (event === 'rename') this.close(); // replaced or removed: watched again at the next wait
        this.wake?.();
      });
      this.watcher.on('error', () => this.close());
    } catch {
      // not watchable here: polling only
    }
  }
}

/**
 * Follows `metricsPath` until the trial ends; when the stopper says stop, kills its trainer and returns the verdict.
 * A verdict reached only on the log of a trial that had already finished is not a stop (the trial is complete).
 */
export async function followTrial(
  running: RunningTrainer,
  metricsPath: string,
  o: FollowOptions,
): Promise<StopVerdict | undefined> {
  let exited = false;
  void running.exit.then(() => (exited = true));
  // Without a change event (a network file system) a stop takes effect at the next poll: a warm trainer does
  // ~500 steps a second on the bench's funnel, so 50 ms would train ~25 steps past the rung that stopped it.
  const poll = o.pollMs ?? (o.stopper ? 50 : 200);
  // Watched only when a stop depends on it; progress alone is fine at the poll's pace.
  const changes = new LogWatch(metricsPath, o.stopper !== undefined);
  try {
    for (;;) {
      const wasExited = exited;
      const readAt = performance.now();
      const records = readGrowingLog(metricsPath);
      await o.onRecords?.(records);
      const verdict = await o.stopper?.feed(records);
      if (verdict && !wasExited) {
        running.kill();
        await running.exit;
        return verdict;
      }
      if (wasExited) return undefined;
      await changes.next(poll, running.exit, readAt);
    }
  } finally {
    changes.close();
  }
}
