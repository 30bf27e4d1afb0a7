export { fuse, type FuseOptions, type FusionResult, type Combination, type ScoreSplit } from './fuse.js';
export { parseForm, prepareColumn, fuseInto, fusedScore, PRODUCT_FLOOR, type FusionForm } from './forms.js';
export { parseObjective, objectiveLabel, type Objective } from './objectives.js';
export { parseConstraint, type Constraint } from './constraints.js';
export { readScores, detectTasks, DEFAULT_COLUMNS, type ColumnNames } from './load.js';
export { runFuseCommand, formatSummary, fusionFile, type FuseCommandOptions } from './run.js';
export { gridPoints, SEARCHES } from './search/index.js';
export { FastAuc } from './fast-auc.js';
