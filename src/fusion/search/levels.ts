import { MtrankError } from '../../util/errors.js';

/** Grid levels per unit weight: 10 for step 0.1. The step must divide 1. */
export function levelsOf(step: number): number {
  const levels = Math.round(1 / step);
  if (!(step > 0) || levels < 1 || Math.abs(levels * step - 1) > 1e-9)
    throw new MtrankError(`fuse: --step ${step} must divide 1 (e.g. 0.1, 0.05, 0.25)`);
  return levels;
}
