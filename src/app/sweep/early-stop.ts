/**
 * Early stopping across the trials of a sweep, fed by each trial's periodic validation (its metrics log).
 *
 * - `asha` (asynchronous successive halving, Li et al. 2018, in its stopping form): rungs at grace·ηᵏ steps. When a
 *   trial first evaluates at or past a rung, its metric joins the values recorded at that rung by every trial so
 *   far (itself included); it goes on only if the value reaches the (1 − 1/η) quantile of them (linear
 *   interpolation, numpy's default), so about one trial in η survives each rung whatever order trials arrive in.
 *   The first trial at a rung always goes on.
 * - `median` (the median stopping rule of Google Vizier): at every evaluation from `grace` steps on, a trial whose
 *   best value so far is worse than the median of the other trials' best values at that step stops, once at least
 *   `minTrials` others have reported that step.
 *
 * Decisions live in a `RungBook` (in memory for a local sweep, in Redis next to the queue for a distributed one);
 * a decision once taken is kept, so a trial resumed after a crash replays its log to the same decisions.
 */
import { MtrankError } from '../../util/errors.js';
import type { MetricsRecord } from '../../training/metrics-log.js';

export interface EarlyStopSpec {
  method: 'asha' | 'median';
  /** `mean-auc`, `<task>-auc`, or `<split>.<task>.<metric>` such as `valid.order.auc` or `valid.click.logloss`. */
  metric: string;
  /** First rung (asha) or first step judged (median), in training steps. */
  grace: number;
  /** η: rungs are grace·ηᵏ and about 1/η of the trials pass each one (asha). */
  reduction: number;
  /** Other trials needed at a step before the median rule judges it. */
  minTrials: number;
}

export type Decision = 'go' | 'stop';

export interface StopVerdict {
  step: number;
  /** The rung (asha) or evaluation step (median) at which the trial was stopped. */
  rung: number;
  value: number;
}

interface MetricRef {
  split: string;
  /** undefined: mean over tasks. */
  task?: string;
  key: string;
  higherIsBetter: boolean;
}

export function parseStopMetric(metric: string): MetricRef {
  if (metric === 'mean-auc') return { split: 'valid', key: 'auc', higherIsBetter: true };
  const short = /^([A-Za-z0-9_]+)-auc$/.exec(metric);
  if (short) return { split: 'valid', task: short[1], key: 'auc', higherIsBetter: true };
  const full = /^(train|valid)\.([A-Za-z0-9_-]+)\.(auc|gauc|logloss)$/.exec(metric);
  if (!full)
    throw new MtrankError(
      `--metric '${metric}': expected mean-auc, <task>-auc or <split>.<task>.<auc|gauc|logloss> (e.g. valid.order.auc)`,
    );
  const [, split, task, key] = full;
  return {
    split: split!,
    task: task === 'mean' ? undefined : task,
    key: key!,
    higherIsBetter: key !== 'logloss',
  };
}

export function checkEarlyStop(spec: EarlyStopSpec): EarlyStopSpec {
  parseStopMetric(spec.metric);
  if (!Number.isInteger(spec.grace) || spec.grace < 1)
    throw new MtrankError(`--grace ${spec.grace}: expected a positive number of steps`);
  if (!(spec.reduction > 1)) throw new MtrankError(`--reduction ${spec.reduction}: expected a number above 1`);
  if (!Number.isInteger(spec.minTrials) || spec.minTrials < 1)
    throw new MtrankError(`--min-trials ${spec.minTrials}: expected a positive integer`);
  return spec;
}

/** The metric of one eval record, oriented so that higher is better; undefined when it is not there. */
export function scoreOf(record: MetricsRecord, ref: MetricRef): number | undefined {
  if (record.type !== 'eval' || record.split !== ref.split || typeof record.step !== 'number') return undefined;
  const tasks = record.tasks as Record<string, Record<string, number | null>> | undefined;
  if (!tasks) return undefined;
  let value: number;
  if (ref.task === undefined) {
    const values = Object.values(tasks)
      .map((t) => t[ref.key])
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (!values.length) return undefined;
    value = values.reduce((a, b) => a + b, 0) / values.length;
  } else {
    const v = tasks[ref.task]?.[ref.key];
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    value = v;
  }
  return ref.higherIsBetter ? value : -value;
}

/** Quantile q ∈ [0, 1] with linear interpolation between order statistics (numpy's default). */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Rungs grace·ηᵏ (rounded to whole steps) up to and including `step`. */
export function rungsUpTo(step: number, grace: number, reduction: number): number[] {
  const out: number[] = [];
  for (let k = 0; ; k++) {
    const r = Math.round(grace * reduction ** k);
    if (r > step) return out;
    if (out.at(-1) !== r) out.push(r);
  }
}

/** Shared record of values and decisions per rung; `decide` keeps the first decision made for a trial. */
export interface RungBook {
  /** Records `value` for `trial` at `rung` (once) and returns every value recorded there. */
  record(rung: string, trial: string, value: number): Promise<number[]>;
  /** The values other trials recorded at `rung`. */
  others(rung: string, trial: string): Promise<number[]>;
  decide(rung: string, trial: string, decision: Decision): Promise<Decision>;
}

/** A RungBook in memory (one process: local sweeps and tests). */
export class MemoryRungBook implements RungBook {
  private values = new Map<string, Map<string, number>>();
  private decisions = new Map<string, Decision>();
  async record(rung: string, trial: string, value: number): Promise<number[]> {
    let at = this.values.get(rung);
    if (!at) this.values.set(rung, (at = new Map()));
    if (!at.has(trial)) at.set(trial, value);
    return [...at.values()];
  }
  async others(rung: string, trial: string): Promise<number[]> {
    return [...(this.values.get(rung) ?? new Map<string, number>()).entries()]
      .filter(([t]) => t !== trial)
      .map(([, v]) => v);
  }
  async decide(rung: string, trial: string, decision: Decision): Promise<Decision> {
    const key = `${rung}\u0000${trial}`;
    if (!this.decisions.has(key)) this.decisions.set(key, decision);
    return this.decisions.get(key)!;
  }
}

/** Follows one trial's evaluations and says when it must stop. Feed it the whole log each time; it skips what it saw. */
export class TrialStopper {
  private readonly ref: MetricRef;
  private lastStep = -1;
  private best = -Infinity;
  private nextRung = 0;
  constructor(
    private readonly spec: EarlyStopSpec,
    private readonly book: RungBook,
    private readonly trial: string,
  ) {
    this.ref = parseStopMetric(spec.metric);
  }

  async feed(records: MetricsRecord[]): Promise<StopVerdict | undefined> {
    for (const r of records) {
      const value = scoreOf(r, this.ref);
      if (value === undefined || r.step! <= this.lastStep) continue;
      const step = r.step!;
      this.lastStep = step;
      this.best = Math.max(this.best, value);
      const verdict = this.spec.method === 'asha' ? await this.asha(step, value) : await this.median(step);
      if (verdict) return verdict;
    }
    return undefined;
  }

  private async asha(step: number, value: number): Promise<StopVerdict | undefined> {
    const rungs = rungsUpTo(step, this.spec.grace, this.spec.reduction);
    // One evaluation can pass several rungs (evalEvery larger than the gaps): it is judged at each in turn.
    for (; this.nextRung < rungs.length; this.nextRung++) {
      const rung = rungs[this.nextRung]!;
      const all = await this.book.record(`asha:${rung}`, this.trial, value);
      const wanted: Decision = value < quantile(all, 1 - 1 / this.spec.reduction) ? 'stop' : 'go';
      if ((await this.book.decide(`asha:${rung}`, this.trial, wanted)) === 'stop') {
        this.nextRung++;
        return { step, rung, value: this.ref.higherIsBetter ? value : -value };
      }
    }
    return undefined;
  }

  private async median(step: number): Promise<StopVerdict | undefined> {
    if (step < this.spec.grace) return undefined;
    const key = `median:${step}`;
    const others = await this.book.others(key, this.trial);
    await this.book.record(key, this.trial, this.best);
    const wanted: Decision = others.length >= this.spec.minTrials && this.best < median(others) ? 'stop' : 'go';
    if ((await this.book.decide(key, this.trial, wanted)) === 'stop')
      return { step, rung: step, value: this.ref.higherIsBetter ? this.best : -this.best };
    return undefined;
  }
}
