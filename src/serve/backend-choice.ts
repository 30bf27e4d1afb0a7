// The default backend ('auto'): on an export folder where onnxruntime-node is installed, both backends score the
// same sampled batches at load and the faster one serves. Which is faster depends on the model's shape and the
// machine (onnxruntime's native GEMM vs the engine's wasm SIMD; the engine's cheaper embedding lookups and no
// per-call session overhead), so it is measured rather than assumed — docs/serving.md has the figures.
import { performance } from 'node:perf_hooks';
import type { EncodedSplit } from '../data/types.js';
import type { ScoringBackend } from './engine-backend.js';

/** Batch sizes timed: one request's candidates, and a micro-batch of concurrent requests under load. */
export const CHOICE_BATCHES = [256, 4096] as const;
/** onnxruntime must be this much faster to be chosen: the engine needs no 290 MB optional package and no session. */
export const CHOICE_MARGIN = 0.95;
/** The engine is warmed for at least this long before it is timed. */
const WARMUP_MS = 200;

export interface BackendChoice {
  chosen: 'engine' | 'onnxruntime';
  /** Per timed batch size: median milliseconds per call of each backend. */
  timings: { rows: number; engineMs: number; onnxruntimeMs: number }[];
}

/**
 * Times both backends on the same batches (`warmup` calls each first — the engine's wasm and JS reach their
 * optimised tiers only after a while, see WARMUP_MS; then `rounds` calls of each, alternating so
 * that load on the machine hits both alike) and picks onnxruntime when its time per row, summed over the batch
 * sizes, is below CHOICE_MARGIN × the engine's.
 */
export async function chooseBackend(
  engine: ScoringBackend,
  onnxruntime: ScoringBackend,
  batches: readonly EncodedSplit[],
  rounds = 5,
  warmup = 4,
): Promise<BackendChoice> {
  const timings: BackendChoice['timings'] = [];
  let enginePerRow = 0,
    ortPerRow = 0;
  // The engine's wasm starts on V8's baseline tier and is recompiled optimised in the background, which on a busy
  // machine takes a while: warm it by time, not only by count, or a cold engine loses by 5–20× at load.
  const start = performance.now();
  for (let w = 0; w < warmup || performance.now() - start < WARMUP_MS; w++) await engine.predict(batches[0]!);
  for (const split of batches) {
    for (let w = 0; w < warmup; w++) {
      await engine.predict(split);
      await onnxruntime.predict(split);
    }
    const e: number[] = [],
      o: number[] = [];
    for (let r = 0; r < rounds; r++) {
      e.push(await timeOf(() => engine.predict(split)));
      o.push(await timeOf(() => onnxruntime.predict(split)));
    }
    const t = { rows: split.rows, engineMs: median(e), onnxruntimeMs: median(o) };
    timings.push(t);
    enginePerRow += t.engineMs / t.rows;
    ortPerRow += t.onnxruntimeMs / t.rows;
  }
  return { chosen: ortPerRow < CHOICE_MARGIN * enginePerRow ? 'onnxruntime' : 'engine', timings };
}

async function timeOf(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}
