export { fuse, type FuseOptions, type ScoreSplit } from './fuse.js';
export { fuseInto } from './forms.js';
export { parseObjective } from './objectives.js';
export { parseConstraint } from './constraints.js';
export { readScores } from './load.js';
export { runFuseCommand, type FuseCommandOptions } from './run.js';
export { gridPoints } from './search/index.js';
