export { Optimizer, type OptimizerOptions, type OptimizerState } from './optimizer.js';
export { Adam, type AdamOptions } from './adam.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Sgd, type SgdOptions } from './sgd.js';
import type { ParamStore } from '../params.js';
import { Adam } from './adam.js';
import { Adagrad } from './adagrad.js';
import { Sgd } from './sgd.js';
import type { Optimizer, OptimizerOptions } from './optimizer.js';

export type OptimizerType = 'adam' | 'adagrad' | 'sgd';

/** Build an optimizer from its config name (training.optimizer.type). */
export function createOptimizer(
  type: OptimizerType,
  store: ParamStore,
  options: OptimizerOptions & Record<string, unknown>,
): Optimizer {
  switch (type) {
    case 'adam':
      return new Adam(store, options);
    case 'adagrad':
      return new Adagrad(store, options);
    case 'sgd':
      return new Sgd(store, options);
  }
}
