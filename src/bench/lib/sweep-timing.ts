/**
 * Where a sweep's wall time goes, read back from its trials' run folders (no instrumentation in the product): each
 * trial's phases from file times, the gaps between trials on one worker (queue pick-up), and the peak memory of the
 * bench's process tree, sampled from /proc. Linux figures; elsewhere the parts that need /proc or birth times are
 * left out.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readTrialInfo } from '../../app/sweep/trial-record.js';

/** Seconds of one trial, in order: a phase is undefined when its file times are missing. */
export interface TrialPhases {
  worker: string;
  /** Epoch ms the worker started the trial (spawning the trainer) and published it. */
  start: number;
  end: number;
  /** Trainer process start, module loading and config parsing (to run.json's startedAt). */
  startup?: number;
  /** Data: source check, cache lookup, loading the encoded splits (to config.json's creation). */
  data?: number;
  /** Training with its periodic evaluations and checkpoints (to the first prediction file). */
  train?: number;
  /** Predictions, test evaluation, metrics.json. */
  finish?: number;
  /** Trainer exit, the worker noticing it, trial.json and the move into the store. */
  exit?: number;
}

const born = (path: string): number | undefined => {
  if (!existsSync(path)) return undefined;
  const s = statSync(path);
  return s.birthtimeMs > 0 ? s.birthtimeMs : undefined;
};

export function trialPhases(dir: string): TrialPhases | undefined {
  const info = readTrialInfo(dir);
  if (!info) return undefined;
  const end = statSync(join(dir, 'trial.json')).mtimeMs;
  const start = end - info.seconds * 1000;
  let started: number | undefined;
  try {
    started = Date.parse((JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { startedAt: string }).startedAt);
  } catch {
    started = undefined;
  }
  const preds = join(dir, 'predictions');
  const predFirst = existsSync(preds)
    ? Math.min(...readdirSync(preds).map((f) => born(join(preds, f)) ?? Infinity))
    : undefined;
  const marks = [start, started, born(join(dir, 'config.json')), predFirst, statSync(join(dir, 'trial.json')).mtimeMs];
  const metrics = existsSync(join(dir, 'metrics.json')) ? statSync(join(dir, 'metrics.json')).mtimeMs : undefined;
  const span = (a?: number, b?: number) =>
    a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) ? (b - a) / 1000 : undefined;
  return {
    worker: info.worker,
    start,
    end,
    startup: span(marks[0], marks[1]),
    data: span(marks[1], marks[2]),
    train: span(marks[2], marks[3]),
    finish: span(marks[3], metrics),
    exit: span(metrics, marks[4]),
  };
}

export interface PassBreakdown {
  trials: number;
  /** Mean seconds per trial of each phase (over the trials that have it). */
  phases: Record<'startup' | 'data' | 'train' | 'finish' | 'exit', number | undefined>;
  /** Mean wall seconds of a trial on its worker, start to publish. */
  trialSeconds: number;
  /** Σ over workers of the idle time between one trial's publish and the next start (the queue's pick-up). */
  pickupSeconds: number;
  /**
   * Σ trial seconds ÷ (workers × wall): the share of the workers' time spent in trials. Below 1 by the pick-up
   * gaps and by the end of the sweep, when one worker has no trial left while another finishes its last.
   */
  utilisation: number;
  /** Seconds between the first and the last worker's last publish (the end-of-sweep imbalance). */
  imbalanceSeconds: number;
  /** Sweep start → the first trial's start, and the last publish → the coordinator seeing the sweep done. */
  firstStartSeconds: number;
  tailSeconds: number;
}

export function passBreakdown(
  phases: TrialPhases[],
  sweepStart: number,
  sweepEnd: number,
  workers: number,
): PassBreakdown {
  const mean = (k: keyof PassBreakdown['phases']) => {
    const xs = phases.map((p) => p[k]).filter((x): x is number => x !== undefined);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
  };
  let pickup = 0;
  const byWorker = new Map<string, TrialPhases[]>();
  for (const p of phases) byWorker.set(p.worker, [...(byWorker.get(p.worker) ?? []), p]);
  for (const list of byWorker.values()) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++) pickup += Math.max(0, list[i]!.start - list[i - 1]!.end) / 1000;
  }
  const busy = phases.reduce((a, p) => a + (p.end - p.start), 0) / 1000;
  const lastEnds = [...byWorker.values()].map((list) => list.at(-1)!.end);
  return {
    trials: phases.length,
    phases: {
      startup: mean('startup'),
      data: mean('data'),
      train: mean('train'),
      finish: mean('finish'),
      exit: mean('exit'),
    },
    trialSeconds: busy / Math.max(1, phases.length),
    pickupSeconds: pickup,
    utilisation: busy / (workers * ((sweepEnd - sweepStart) / 1000)),
    imbalanceSeconds: (Math.max(...lastEnds) - Math.min(...lastEnds)) / 1000,
    firstStartSeconds: (Math.min(...phases.map((p) => p.start)) - sweepStart) / 1000,
    tailSeconds: (sweepEnd - Math.max(...phases.map((p) => p.end))) / 1000,
  };
}

/**
 * Sum of `read(pid)` over `root` and all its descendants now (or the descendants only), from /proc: the tree is
 * walked through each process's main-thread `children` list (Node and libuv spawn from the main thread), so a sample
 * reads a few files rather than every process's stat (which cost ~3% of a core at 4 samples a second on a busy
 * machine). Undefined when `root` cannot be read (not Linux).
 */
function sumOverTree(root: number, read: (pid: number) => number, includeRoot = true): number | undefined {
  let total = 0;
  const todo = [root];
  for (let n = 0; todo.length && n < 1000; n++) {
    const pid = todo.pop()!;
    try {
      if (includeRoot || pid !== root) total += read(pid);
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      if (kids) todo.push(...kids.split(' ').map(Number));
    } catch {
      // No /proc (not Linux), or the process ended between the listing and the read.
      if (pid === root) return undefined;
    }
  }
  return total;
}

/** CPU seconds (user + system) of one process so far, from its /proc stat. */
function processCpuSeconds(pid: number | string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Resident memory (bytes) of `root` and all its descendants now. */
const treeRss = (root: number) =>
  sumOverTree(root, (pid) => Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096);

/**
 * CPU seconds so far (user + system) of the live processes below this one (workers and their trainers); undefined
 * off Linux. Subtracted from the children's total at the end, it leaves a timed window's share.
 */
export const liveDescendantsCpuSeconds = (): number | undefined => sumOverTree(process.pid, processCpuSeconds, false);

/** Samples the process tree's total resident memory every `ms` until stopped; returns the peak (MB). */
export function sampleTreeRss(ms = 500): { stop(): number | undefined } {
  let peak: number | undefined;
  const take = () => {
    const now = treeRss(process.pid);
    if (now !== undefined) peak = Math.max(peak ?? 0, now);
  };
  take();
  const timer = setInterval(take, ms);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak === undefined ? undefined : peak / 2 ** 20;
    },
  };
}

/**
 * CPU seconds so far of the local redis-server (it serves the queue on the same cores; other clients of a shared
 * Redis add to it), from /proc; undefined when it is not found.
 */
export function redisCpuSeconds(): number | undefined {
  try {
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      try {
        if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() !== 'redis-server') continue;
        return processCpuSeconds(p);
      } catch {
        // The process ended between the listing and the read.
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}
