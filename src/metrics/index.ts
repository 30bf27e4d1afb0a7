export { auc, hasBothClasses } from './auc.js';
export { gauc, groupRows } from './gauc.js';
export { logloss } from './logloss.js';
export { calibration } from './calibration.js';
export type { Scores } from './check.js';
export { countWins, sortRange } from './pair-count.js';
export { dominates, paretoFront } from './pareto.js';
