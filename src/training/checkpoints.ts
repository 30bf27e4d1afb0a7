import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { saveCheckpoint, loadCheckpoint } from '../engine/checkpoint.js';
import type { ParamStore } from '../engine/params.js';
import type { Optimizer } from '../engine/optim/optimizer.js';
import { sumSquares } from '../engine/kernels.js';
import { MtrankError } from '../util/errors.js';

/** Save only finite parameters: a NaN checkpoint would poison every later resume, evaluation and export. */
export function saveFiniteCheckpoint(
  dir: string,
  store: ParamStore,
  optimizers: Optimizer[] | null,
  extra: unknown,
): void {
  const bad = nonFiniteParameter(store);
  if (bad) throw new MtrankError(`refusing to write checkpoint ${dir}: parameter '${bad}' holds NaN or Inf`);
  saveCheckpoint(dir, store, optimizers, extra);
}

/** The name of the first parameter or table with a non-finite value, or null. */
export function nonFiniteParameter(store: ParamStore): string | null {
  for (const p of store.params()) if (!Number.isFinite(sumSquares(p.data, p.size))) return p.name;
  for (const t of store.tables()) if (!Number.isFinite(sumSquares(t.data, t.vocab * t.dim))) return t.name;
  return null;
}

/** The name of the first parameter whose gradient is non-finite, or null. */
export function nonFiniteGradient(store: ParamStore): string | null {
  for (const p of store.params()) if (!p.frozen && !Number.isFinite(sumSquares(p.grad, p.size))) return p.name;
  for (const t of store.tables())
    if (!t.frozen && t.hasGrad && !Number.isFinite(sumSquares(t.sparseGrad().values))) return t.name;
  return null;
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'manifest.json'));
}

/** Parameters only (evaluate, predict, export). */
export function loadModelWeights(dir: string, store: ParamStore): unknown {
  if (!hasCheckpoint(dir)) throw new MtrankError(`${dir}: no saved model here (run 'mtrank train' first)`);
  return loadCheckpoint(dir, store, null);
}
