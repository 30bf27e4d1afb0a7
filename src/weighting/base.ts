// The contract every loss-weighting strategy keeps (docs/architecture.md, "Loss weighting"), plus the
// input checks they share. One file per method implements it; index.ts picks one from the config.
import { MtrankError } from '../util/errors.js';
import { counted } from '../util/plural.js';

/** One training step as a strategy sees it. */
export interface WeightingInput {
  step: number;
  /** This step's loss per task, in task order. */
  losses: number[];
  /** Per task, dL_t/dH at the shared representation H (same length for every task); only for `needs: 'shared-grads'`. */
  sharedGrads?: Float32Array[];
}

export interface LossWeighting {
  readonly method: string;
  readonly needs: 'losses' | 'shared-grads';
  /** This step's weights, one per task, in task order. */
  weights(input: WeightingInput): number[];
  /** Gradient-level methods (pcgrad): the combined dL/dH to backpropagate through the shared part. */
  combine?(input: WeightingInput, weights: number[]): Float32Array;
  /** JSON-serialisable; saved in checkpoints. */
  state(): unknown;
  load(state: unknown): void;
  /** Extension: the weights the last step applied, keyed by task (what the trainer logs at each evaluation). */
  describe(): Record<string, number>;
}

export interface TaskSpec {
  name: string;
  lossWeight: number;
}

/** Losses must be one finite number per task: a NaN here would silently poison the learned weights. */
export function checkLosses(method: string, tasks: readonly TaskSpec[], input: WeightingInput): void {
  if (input.losses.length !== tasks.length) {
    throw new MtrankError(
      `lossWeighting '${method}': got ${counted(input.losses.length, 'loss', 'losses')} for ${counted(tasks.length, 'task')}`,
    );
  }
  input.losses.forEach((loss, t) => {
    if (!Number.isFinite(loss)) {
      throw new MtrankError(
        `lossWeighting '${method}': loss of task '${tasks[t]!.name}' is ${loss} at step ${input.step}`,
      );
    }
  });
}

/** The per-task shared gradients, checked for presence and matching lengths. */
export function requireGrads(method: string, tasks: readonly TaskSpec[], input: WeightingInput): Float32Array[] {
  const grads = input.sharedGrads;
  if (!grads || grads.length !== tasks.length) {
    throw new MtrankError(
      `lossWeighting '${method}' needs one shared-representation gradient per task ` +
        `(got ${grads ? grads.length : 'none'} for ${counted(tasks.length, 'task')})`,
    );
  }
  const n = grads[0]!.length;
  grads.forEach((g, t) => {
    if (g.length !== n) {
      throw new MtrankError(
        `lossWeighting '${method}': gradient of task '${tasks[t]!.name}' has ${g.length} values, expected ${n}`,
      );
    }
  });
  return grads;
}

/** Task name → weight, for logs. */
export function byTask(tasks: readonly TaskSpec[], weights: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  tasks.forEach((task, t) => {
    out[task.name] = weights[t]!;
  });
  return out;
}

/**
 * Reads back a state() object: checks the method and that each listed array has one finite number per task
 * (`nullable` keys may also be null).
 */
export function readState<K extends string, N extends string = never>(
  method: string,
  tasks: readonly TaskSpec[],
  state: unknown,
  keys: readonly K[],
  nullable: readonly N[] = [],
): Record<K, number[]> & Record<N, number[] | null> & Record<string, unknown> {
  const s = state as Record<string, unknown> | null;
  if (!s || typeof s !== 'object' || s.method !== method) {
    throw new MtrankError(
      `lossWeighting '${method}': checkpoint state is for method '${s && typeof s === 'object' ? String(s.method) : typeof s}'`,
    );
  }
  for (const key of [...keys, ...nullable]) {
    const v = s[key];
    if ((nullable as readonly string[]).includes(key) && v === null) continue;
    if (
      !Array.isArray(v) ||
      v.length !== tasks.length ||
      !v.every((x) => typeof x === 'number' && Number.isFinite(x))
    ) {
      throw new MtrankError(
        `lossWeighting '${method}': checkpoint state '${key}' must hold ${tasks.length} finite numbers`,
      );
    }
  }
  return s as Record<K, number[]> & Record<N, number[] | null> & Record<string, unknown>;
}
