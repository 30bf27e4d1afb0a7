// The kernel worker pool: both cores on one shared wasm memory.
// A job is posted through the pool's shared control block (protocol in kernel-jobs.ts): the main thread writes
// the arguments, opens the job, bumps the generation and notifies; it takes chunks itself alongside the workers
// that join, then closes the job and waits (spins briefly, then Atomics.wait) for the workers still inside.
// The API stays synchronous for callers. Workers are unref'd: an idle pool never keeps the process alive.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workerUrl } from '../util/worker-url.js';
import {
  CLOSED,
  CONTROL_BYTES,
  CTRL,
  JOB,
  JOB_ARGS,
  controlViews,
  jobItems,
  runJobRange,
  takeChunks,
  type WorkerInit,
} from './kernel-jobs.js';
import { loadedKernels, memory } from './wasm.js';
import { heap } from './memory.js';

const SPIN_MAIN = 5_000;
/** Chunks per thread: more balance a late or slow worker; gemm chunks each pack B again, so fewer there. */
const CHUNKS_PER_THREAD: Record<number, number> = { [JOB.gemm]: 2 };
const ROW_CHUNKS_PER_THREAD = 4;

interface Pool {
  module: WebAssembly.Module;
  /** No job has run yet (the first one includes the workers' start). */
  fresh: boolean;
  workers: Worker[];
  ctrl: Int32Array;
  args: Float64Array;
  work: Float32Array;
  workBytes: number;
}

let wanted = Math.max(1, Math.min(2, availableParallelism()));
let pool: Pool | null = null;

/** Threads the kernels use (the main thread counts as one). Default min(2, available cores). */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`threads must be an integer ≥ 1 (got ${n})`);
  if (n === wanted) return;
  wanted = n;
  void shutdownThreads();
}

export function threadCount(): number {
  return wanted;
}

/** Stop and terminate the workers (a later parallel call starts a new pool). */
export function shutdownThreads(): Promise<void> {
  const p = pool;
  if (!p) return Promise.resolve();
  pool = null;
  stats.parallelJobs = 0;
  stats.mainChunks = 0;
  stats.singleChoices = 0;
  chooser.reset();
  Atomics.store(p.ctrl, CTRL.kind, JOB.stop);
  Atomics.add(p.ctrl, CTRL.gen, 1);
  Atomics.notify(p.ctrl, CTRL.gen);
  heap.free(p.work);
  return Promise.all(p.workers.map((w) => w.terminate())).then(() => undefined);
}

function startPool(module: WebAssembly.Module, workBytes: number): Pool {
  const url = workerUrl(import.meta.url, './kernel-worker.js');
  if (!existsSync(fileURLToPath(url)))
    throw new Error(`kernel worker script missing: ${fileURLToPath(url)}; run \`npm run build\``);
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const { ctrl, args } = controlViews(control);
  Atomics.store(ctrl, CTRL.state, CLOSED);
  const work = heap.f32((workBytes / 4) * wanted);
  const workers: Worker[] = [];
  for (let index = 1; index < wanted; index++) {
    const init: WorkerInit = { module, memory, control, index, workBase: work.byteOffset, workBytes };
    // No inherited execArgv: the parent's (e.g. `-e script`, test-runner loaders) mean nothing to a kernel
    // worker, and V8 flags such as relaxed SIMD are process-wide anyway.
    const w = new Worker(url, { workerData: init, execArgv: [] });
    w.unref();
    workers.push(w);
  }
  return { module, fresh: true, workers, ctrl, args, work, workBytes };
}

/** The pool for the loaded kernels, or null when kernels run on one thread (threads = 1, or 'js'). */
function currentPool(): Pool | null {
  const k = loadedKernels();
  if (wanted === 1 || !k.exports || !k.module) return null;
  if (pool && pool.module !== k.module) void shutdownThreads();
  if (!pool) pool = startPool(k.module, k.exports.gemmWorkBytes());
  return pool;
}

/** Threads a parallel job uses now. */
export function parallelParts(): number {
  return currentPool() ? wanted : 1;
}

let single: { k: unknown; work: Float32Array } | null = null;
function singleThreadWork(): number {
  const k = loadedKernels().exports!;
  if (!single) single = { k, work: heap.f32(k.gemmWorkBytes() / 4) };
  return single.work.byteOffset;
}

/**
 * Run job `kind` with arguments `a` on this thread, or split over the pool when `parallel` and the pool has been
 * faster for work of this size lately. `work` (flops, elements) sizes the job for that comparison.
 */
export function runJob(kind: number, a: ArrayLike<number>, parallel: boolean, work: number): void {
  const p = parallel ? currentPool() : null;
  if (!p) {
    runHere(kind, a);
    return;
  }
  const choice = chooser.pick(kind, work);
  const t0 = performance.now();
  if (choice === 1) runHere(kind, a);
  else runPooled(p, kind, a);
  chooser.record(kind, work, choice, performance.now() - t0, p.fresh);
  p.fresh = false;
}

function runHere(kind: number, a: ArrayLike<number>): void {
  localArgs.set(a);
  runJobRange(loadedKernels().exports!, kind, localArgs, 0, jobItems(kind, localArgs).total, singleThreadWork());
}

function runPooled(p: Pool, kind: number, a: ArrayLike<number>): void {
  const k = loadedKernels().exports!;
  const { ctrl, args } = p;
  args.set(a);
  Atomics.store(ctrl, CTRL.kind, kind);
  Atomics.store(ctrl, CTRL.chunks, (CHUNKS_PER_THREAD[kind] ?? ROW_CHUNKS_PER_THREAD) * wanted);
  Atomics.store(ctrl, CTRL.next, 0);
  Atomics.store(ctrl, CTRL.state, 0); // open: workers may join from here on
  Atomics.add(ctrl, CTRL.gen, 1);
  Atomics.notify(ctrl, CTRL.gen);
  stats.parallelJobs++;
  stats.mainChunks += takeChunks(k, ctrl, args, p.work.byteOffset);
  // Close the job, then wait for the workers inside it to finish their chunks.
  let s = Atomics.load(ctrl, CTRL.state);
  for (let seen; (seen = Atomics.compareExchange(ctrl, CTRL.state, s, s | CLOSED)) !== s;) s = seen;
  s = Atomics.load(ctrl, CTRL.state);
  for (let i = 0; i < SPIN_MAIN && s !== CLOSED; i++) s = Atomics.load(ctrl, CTRL.state);
  while (s !== CLOSED) {
    Atomics.wait(ctrl, CTRL.state, s);
    s = Atomics.load(ctrl, CTRL.state);
  }
  if (Atomics.exchange(ctrl, CTRL.error, 0)) throw new Error('a kernel worker failed (see its message above)');
}

/**
 * Picks one thread or the pool per job kind and size class (powers of two of `work`) from the time per unit of
 * work each took lately (moving average), trying the other one every EXPLORE_EVERY calls. When the other core is
 * busy with other processes, a split job waits for a descheduled worker and one thread is faster; this keeps
 * the engine on the faster choice. Results are the same either way (chunks never change the bytes).
 */
const EXPLORE_EVERY = 16;
class Chooser {
  private readonly classes = new Map<number, { one: number; pool: number; calls: number }>();

  pick(kind: number, work: number): 1 | 2 {
    const c = this.entry(kind, work);
    c.calls++;
    if (Number.isNaN(c.pool)) return 2;
    if (Number.isNaN(c.one)) return 1;
    const better = c.pool <= c.one ? 2 : 1;
    return c.calls % EXPLORE_EVERY === 0 ? (better === 2 ? 1 : 2) : better;
  }

  record(kind: number, work: number, choice: 1 | 2, ms: number, warmUp: boolean): void {
    if (warmUp) return; // the first pooled job includes starting the workers
    const c = this.entry(kind, work);
    const perUnit = ms / Math.max(1, work);
    const key = choice === 2 ? 'pool' : 'one';
    c[key] = Number.isNaN(c[key]) ? perUnit : 0.5 * c[key] + 0.5 * perUnit;
    if (choice === 1) stats.singleChoices++;
  }

  reset(): void {
    this.classes.clear();
  }

  private entry(kind: number, work: number) {
    const key = kind * 64 + Math.floor(Math.log2(Math.max(1, work)));
    let c = this.classes.get(key);
    if (!c) this.classes.set(key, (c = { one: NaN, pool: NaN, calls: 0 }));
    return c;
  }
}
const chooser = new Chooser();

const localArgs = new Float64Array(JOB_ARGS);
const stats = { parallelJobs: 0, mainChunks: 0, singleChoices: 0 };

/**
 * Since the pool started: jobs run split over it, the share of their chunks the workers took, and jobs large
 * enough to split that ran on one thread because that was faster lately.
 */
export function threadStats(): { parallelJobs: number; workerShare: number; singleThreadChoices: number } {
  const worker = pool ? Atomics.load(pool.ctrl, CTRL.workerChunks) : 0;
  const all = worker + stats.mainChunks;
  return {
    parallelJobs: stats.parallelJobs,
    workerShare: all ? worker / all : 0,
    singleThreadChoices: stats.singleChoices,
  };
}
