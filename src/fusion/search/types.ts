import type { Scored } from '../evaluator.js';
import type { Rng } from '../../util/rng.js';

export interface SearchContext {
  tasks: number;
  /** Grid step (0.1 → weights 0, 0.1, …, 1). */
  step: number;
  rng: Rng;
  /** Random search sample count. */
  samples: number;
  evaluate(batch: readonly (readonly number[])[]): Promise<Scored[]>;
}

/** One search strategy: visits weight vectors in [0, 1]^T and returns every visit (repeats included). */
export interface SearchStrategy {
  readonly name: string;
  run(ctx: SearchContext): Promise<Scored[]>;
}
