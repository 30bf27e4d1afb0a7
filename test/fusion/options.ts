import { parseObjective, type FuseCommandOptions, type FuseOptions } from '../../src/fusion/index.js';

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

/** `mtrank fuse` options as the CLI's defaults give them, with no bootstrap, one thread, overridable. */
export const fuseCommandOptions = (o: Partial<FuseCommandOptions> = {}): FuseCommandOptions => ({
  split: 'valid',
  scoreCol: 'p_{task}',
  labelCol: 'y_{task}',
  groupCol: 'group',
  constraint: [],
  bootstrap: 0,
  threads: 1,
  seed: 1,
  ...o,
});
