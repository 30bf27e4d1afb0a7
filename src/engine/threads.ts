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
import { CLOSED, CONTROL_BYTES, CTRL, JOB, JOB_ARGS, controlViews, jobItems, runJobRange, takeChunks, type WorkerInit } from './kernel-jobs.js';
import { loadedKernels, memory } from './wasm.js';
import { heap } from './memory.js';

const SPIN_MAIN = 5_000;
/** Chunks per thread: more balance a late or slow worker; gemm chunks each pack B again, so fewer there. */
const CHUNKS_PER_THREAD: Record<number, number> = { [JOB.gemm]: 2 };
const ROW_CHUNKS_PER_THREAD = 4;

interface Pool {
  module: WebAssembly.Module;
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
  stats.backoffs = 0;
  Atomics.store(p.ctrl, CTRL.kind, JOB.stop);
  Atomics.add(p.ctrl, CTRL.gen, 1);
  Atomics.notify(p.ctrl, CTRL.gen);
  heap.free(p.work);
  return Promise.all(p.workers.map((w) => w.terminate())).then(() => undefined);
}

function startPool(module: WebAssembly.Module, workBytes: number): Pool {
  const url = workerUrl(import.meta.url, './kernel-worker.js');
  if (!existsSync(fileURLToPath(url))) throw new Error(`kernel worker script missing: ${fileURLToPath(url)}; run \`npm run build\``);
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
  return { module, workers, ctrl, args, work, workBytes };
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

/** Run job `kind` with arguments `a`, split over the pool when `parallel` (else entirely on this thread). */
export function runJob(kind: number, a: ArrayLike<number>, parallel: boolean): void {
  const k = loadedKernels().exports!;
  if (parallel && backoff > 0) {
    backoff--;
    parallel = false;
  }
  const p = parallel ? currentPool() : null;
  if (!p) {
    localArgs.set(a);
    runJobRange(k, kind, localArgs, 0, jobItems(kind, localArgs).total, singleThreadWork());
    return;
  }
  const { ctrl, args } = p;
  args.set(a);
  Atomics.store(ctrl, CTRL.kind, kind);
  Atomics.store(ctrl, CTRL.chunks, (CHUNKS_PER_THREAD[kind] ?? ROW_CHUNKS_PER_THREAD) * wanted);
  Atomics.store(ctrl, CTRL.next, 0);
  Atomics.store(ctrl, CTRL.state, 0); // open: workers may join from here on
  Atomics.add(ctrl, CTRL.gen, 1);
  Atomics.notify(ctrl, CTRL.gen);
  stats.parallelJobs++;
  const t0 = performance.now();
  stats.mainChunks += takeChunks(k, ctrl, args, p.work.byteOffset);
  const t1 = performance.now();
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
  noteWait(performance.now() - t1, t1 - t0);
}

// When the machine is oversubscribed a worker can be descheduled in the middle of a chunk, and the caller waits
// for it longer than doing the whole job alone would take. After a few such jobs in a row, run the next calls on
// one thread, then try again. (Results do not depend on the thread count, so this changes speed only.)
const SLOW_JOBS_BEFORE_BACKOFF = 3;
const BACKOFF_CALLS = 64;
let slowJobs = 0;
let backoff = 0;
function noteWait(waitMs: number, ownMs: number): void {
  slowJobs = waitMs > ownMs ? slowJobs + 1 : 0;
  if (slowJobs >= SLOW_JOBS_BEFORE_BACKOFF) {
    slowJobs = 0;
    backoff = BACKOFF_CALLS;
    stats.backoffs++;
  }
}
const localArgs = new Float64Array(JOB_ARGS);
const stats = { parallelJobs: 0, mainChunks: 0, backoffs: 0 };

/**
 * Parallel jobs run so far by the current pool, the share of their chunks the workers took, and how often
 * slow workers made the pool fall back to one thread for a while.
 */
export function threadStats(): { parallelJobs: number; workerShare: number; backoffs: number } {
  const worker = pool ? Atomics.load(pool.ctrl, CTRL.workerChunks) : 0;
  const all = worker + stats.mainChunks;
  return { parallelJobs: stats.parallelJobs, workerShare: all ? worker / all : 0, backoffs: stats.backoffs };
}
