import { MtrankError } from '../../util/errors.js';

/** Grid levels per unit weight: 10 for step 0.1. The step must divide 1. */
export function levelsOf(step: number): number {
  const levels = Math.round(1 / step);
  if (!(step > 0) || levels < 1 || Math.abs(levels * step - 1) > 1e-9)
    throw new MtrankError(`fuse: --step ${step} must divide 1 (e.g. 0.1, 0.05, 0.25)`);
  return levels;
}

/** Above this many grid points the search would run out of memory or time: refused before any work. */
export const MAX_GRID_POINTS = 2_000_000;

/** (1/step + 1)^tasks, or an error saying how many combinations the grid would take. */
export function checkGridSize(tasks: number, step: number): number {
  const points = (levelsOf(step) + 1) ** tasks;
  if (points > MAX_GRID_POINTS)
    throw new MtrankError(
      `fuse: --step ${step} over ${tasks} tasks is a grid of ${points.toLocaleString('en-US')} combinations, above the limit of ${MAX_GRID_POINTS.toLocaleString('en-US')}; use a coarser --step or --search coordinate|random`,
    );
  return points;
}
