/**
 * Runs ComboScorers on worker threads over shared columns. Combinations go out in small chunks from a queue
 * (so a slow thread does not hold up the batch) and come back into their slots by index, so the results do not
 * depend on the number of threads. threads = 1 scores on the calling thread. The columns are first copied into
 * a shared wasm memory for the AUC kernel (or, without the kernel build, into SharedArrayBuffers).
 */
import { Worker } from 'node:worker_threads';
import { workerUrl } from '../util/worker-url.js';
import { ComboScorer, metricsWidth, type ScoreRequest, type ScoringData } from './scorer.js';
import { kernelModule, placeColumns, scratchBytes, unionPositives } from './wasm-auc.js';
import { localityOrder, permuted } from './row-order.js';

const CHUNK = 8;

export interface ScorerPool {
  readonly threads: number;
  /** Metrics (aucs…, gauc) for each weight vector, in order. `onDone(k)` reports progress. */
  score(
    batch: readonly (readonly number[])[],
    request: ScoreRequest,
    onDone?: (done: number) => void,
  ): Promise<Float64Array[]>;
  close(): Promise<void>;
}

export async function createPool(data: ScoringData, threads: number): Promise<ScorerPool> {
  return (await createPools([data], threads))[0]!;
}

/**
 * One pool per data set (a split and its compacted subsets, missing-labels.ts), all on the same `threads` worker
 * threads: each worker holds a scorer per data set and a chunk names the one it is for, so the total thread count
 * stays `threads` however many data sets there are. Closing any of the pools closes them all.
 */
export async function createPools(datas: readonly ScoringData[], threads: number): Promise<ScorerPool[]> {
  const module = await kernelModule();
  const placed = datas.map((d) => inKernelMemory(d, module, Math.max(1, threads)));
  return threads <= 1 ? placed.map(inlinePool) : workerPools(placed.map(shareData), threads);
}

/**
 * The data with its columns in a fresh kernel memory sized for `scorers` scorers; unchanged without the kernel build.
 * Rows are placed in locality order (row-order.ts) unless a metric needs them grouped (GAUC, value metrics).
 */
function inKernelMemory(given: ScoringData, module: WebAssembly.Module | null, scorers: number): ScoringData {
  if (!module) return given;
  const data = given.gauc || given.valueMetric ? given : inLocalityOrder(given);
  // A scorer's table holds the union of a task group's positives: at most the rows positive for any task.
  const maxPositives = unionPositives(data.labels);
  const all = data.offset ? [...data.columns, data.offset] : data.columns;
  const { kernel, columns } = placeColumns(
    module,
    all,
    scratchBytes(data.rows, maxPositives, data.columns.length),
    scorers,
  );
  const offset = data.offset ? columns.pop() : undefined;
  return { ...data, columns, kernel, ...(offset ? { offset } : {}) };
}

/** The same rows, reordered so that the kernel's table accesses are local; every AUC stays the same. */
function inLocalityOrder(data: ScoringData): ScoringData {
  const order = localityOrder(data.offset ? [...data.columns, data.offset] : data.columns, data.rows);
  return {
    ...data,
    columns: data.columns.map((c) => permuted(c, order)),
    labels: data.labels.map((y) => permuted(y, order)),
    ...(data.offset ? { offset: permuted(data.offset, order) } : {}),
  };
}

function inlinePool(data: ScoringData): ScorerPool {
  const scorer = new ComboScorer(data);
  const width = metricsWidth(data.columns.length);
  return {
    threads: 1,
    async score(batch, request, onDone) {
      return batch.map((w, k) => {
        const out = new Float64Array(width);
        scorer.score(w, request, out);
        onDone?.(k + 1);
        return out;
      });
    },
    async close() {},
  };
}

interface Reply {
  id: number;
  start: number;
  metrics: Float64Array;
}

/** The message a worker gets: score `weights` (vectors of T) for data set `part`, results back at `start`. */
export interface ChunkMessage {
  id: number;
  part: number;
  start: number;
  weights: Float64Array;
  request: ScoreRequest;
}

function workerPools(datas: ScoringData[], threads: number): ScorerPool[] {
  const T = datas[0]!.columns.length,
    width = metricsWidth(T);
  const workers = Array.from(
    { length: threads },
    () => new Worker(workerUrl(import.meta.url, './worker.js'), { workerData: datas }),
  );
  let nextId = 0,
    closing: Promise<void> | null = null;
  const close = () => (closing ??= Promise.all(workers.map((w) => w.terminate())).then(() => undefined));
  const score = (
    part: number,
    batch: readonly (readonly number[])[],
    request: ScoreRequest,
    onDone?: (done: number) => void,
  ) => {
    const id = nextId++;
    const results: Float64Array[] = new Array(batch.length);
    if (batch.length === 0) return Promise.resolve(results);
    return new Promise<Float64Array[]>((resolve, reject) => {
      let sent = 0,
        done = 0;
      const send = (w: Worker) => {
        if (sent >= batch.length) return;
        const start = sent,
          end = Math.min(batch.length, start + CHUNK);
        sent = end;
        const weights = new Float64Array((end - start) * T);
        for (let k = start; k < end; k++) for (let t = 0; t < T; t++) weights[(k - start) * T + t] = batch[k][t];
        w.postMessage({ id, part, start, weights, request } satisfies ChunkMessage);
      };
      const cleanup = () =>
        workers.forEach((w) => {
          w.off('message', handlers.get(w)!);
          w.off('error', onError);
        });
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const handlers = new Map<Worker, (r: Reply) => void>();
      for (const w of workers) {
        const onMessage = (r: Reply) => {
          if (r.id !== id) return;
          const count = r.metrics.length / width;
          for (let k = 0; k < count; k++) results[r.start + k] = r.metrics.slice(k * width, (k + 1) * width);
          done += count;
          onDone?.(done);
          if (done === batch.length) {
            cleanup();
            resolve(results);
          } else send(w);
        };
        handlers.set(w, onMessage);
        w.on('message', onMessage);
        w.on('error', onError);
        send(w);
      }
    });
  };
  return datas.map((_, part) => ({
    threads,
    score: (batch, request, onDone) => score(part, batch, request, onDone),
    close,
  }));
}

/** Copies the arrays into SharedArrayBuffers so every worker reads the same memory instead of a clone. */
function shareData(data: ScoringData): ScoringData {
  const share = <A extends Float64Array | Uint8Array | Uint32Array>(a: A, make: (b: SharedArrayBuffer) => A): A => {
    const out = make(new SharedArrayBuffer(a.byteLength));
    out.set(a as never);
    return out;
  };
  return {
    rows: data.rows,
    kernel: data.kernel, // its memory is shared already, and so are the columns placed in it
    columns: data.kernel ? data.columns : data.columns.map((c) => share(c, (b) => new Float64Array(b))),
    labels: data.labels.map((l) => share(l, (b) => new Uint8Array(b))),
    gauc: data.gauc && { task: data.gauc.task, segments: share(data.gauc.segments, (b) => new Uint32Array(b)) },
    ...(data.offset ? { offset: data.kernel ? data.offset : share(data.offset, (b) => new Float64Array(b)) } : {}),
    ...(data.valueMetric ? { valueMetric: data.valueMetric } : {}),
  };
}
