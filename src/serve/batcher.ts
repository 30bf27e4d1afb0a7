// Micro-batching: requests that arrive within `maxWaitMs` of the first waiting one are scored in one engine
// call (their encoded rows concatenated), which amortises the per-call overhead across concurrent requests.
import { concatSplits } from '../data/batches.js';
import type { EncodedSplit } from '../data/types.js';
import type { Scores } from './engine-backend.js';

interface Waiting {
  split: EncodedSplit;
  resolve: (scores: Scores) => void;
  reject: (e: unknown) => void;
}

export interface BatcherOptions {
  /** How long the first request of a batch waits for company; 0 = only what is already queued (setImmediate). */
  maxWaitMs: number;
  /** A batch with this many rows goes at once. */
  maxRows: number;
  /** Told each batch's row count (for /metrics). */
  onBatch?: (rows: number) => void;
}

export class MicroBatcher {
  private queue: Waiting[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly predict: (split: EncodedSplit) => Promise<Scores>,
    private readonly opts: BatcherOptions,
  ) {}

  submit(split: EncodedSplit): Promise<Scores> {
    return new Promise((resolve, reject) => {
      this.queue.push({ split, resolve, reject });
      this.queuedRows += split.rows;
      if (this.queuedRows >= this.opts.maxRows) this.flush();
      else if (!this.timer)
        this.timer =
          this.opts.maxWaitMs > 0
            ? setTimeout(() => this.flush(), this.opts.maxWaitMs)
            : setImmediate(() => this.flush());
    });
  }

  /** Requests waiting for the next batch. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves once nothing is queued or being scored. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.queuedRows = 0;
    this.running++;
    void this.run(batch).finally(() => {
      this.running--;
      if (this.queue.length === 0 && this.running === 0) for (const r of this.idleWaiters.splice(0)) r();
    });
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      const split = batch.length === 1 ? batch[0]!.split : concatSplits(batch.map((w) => w.split));
      this.opts.onBatch?.(split.rows);
      const s = await this.predict(split);
      let at = 0;
      for (const w of batch) {
        const n = w.split.rows;
        w.resolve({ tasks: s.tasks.map((p) => p.subarray(at, at + n)), score: s.score.subarray(at, at + n) });
        at += n;
      }
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  }
}
