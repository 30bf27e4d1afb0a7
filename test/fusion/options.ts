import { parseObjective, type FuseOptions } from '../../src/fusion/index.js';

/** Search options for the tests: the 0.1 grid, AUC(order), one thread, overridable. */
export const fuseOptions = (o: Partial<FuseOptions> = {}): FuseOptions => ({
  form: 'linear',
  search: 'grid',
  step: 0.1,
  refine: false,
  objective: parseObjective('auc:order'),
  constraints: [],
  threads: 1,
  seed: 1,
  samples: 200,
  ...o,
});
