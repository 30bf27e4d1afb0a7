import type { FUSION_SEARCHES } from '../../config/schema.js';
import { didYouMean } from '../../config/suggest.js';
import { MtrankError } from '../../util/errors.js';
import { cmaesSearch } from './cmaes.js';
import { coordinateSearch } from './coordinate.js';
import { gridSearch } from './grid.js';
import { randomSearch } from './random.js';
import type { SearchStrategy } from './types.js';

/** One strategy per name of the config's FUSION_SEARCHES. */
export const SEARCHES: Record<(typeof FUSION_SEARCHES)[number], SearchStrategy> = {
  grid: gridSearch,
  coordinate: coordinateSearch,
  random: randomSearch,
  cmaes: cmaesSearch,
};

export function searchNamed(name: string): SearchStrategy {
  const s = (SEARCHES as Record<string, SearchStrategy | undefined>)[name];
  if (!s)
    throw new MtrankError(
      `fuse: unknown search '${name}'${didYouMean(name, Object.keys(SEARCHES))} (expected ${Object.keys(SEARCHES).join(', ')})`,
    );
  return s;
}

export { coordinateAscent } from './coordinate.js';
export { gridPoints } from './grid.js';
export { checkGridSize, levelsOf } from './levels.js';
export type { SearchStrategy } from './types.js';
