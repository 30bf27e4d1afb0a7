import { adagradDense, adagradSparse, type AdagradHyper } from '../kernels.js';
import type { ParamStore, Parameter, SparseGrad } from '../params.js';
import { Optimizer, coupledDecay, type OptimizerOptions } from './optimizer.js';

export interface AdagradOptions extends OptimizerOptions {
  eps?: number;
}

/** Adagrad (PyTorch defaults: accumulator starts at 0, eps 1e-10); tables update only the step's rows. */
export class Adagrad extends Optimizer {
  readonly type = 'adagrad';
  private readonly hyper: AdagradHyper;

  constructor(store: ParamStore, options: AdagradOptions) {
    super(store, options, ['sum']);
    this.hyper = { lr: options.lr, eps: options.eps ?? 1e-10, weightDecay: coupledDecay(options) };
  }

  protected updateDense(p: Parameter, lr: number): void {
    this.hyper.lr = lr;
    adagradDense(p.data, p.grad, this.slot('sum', p), this.hyper, p.size);
  }

  protected updateRows(data: Float32Array, dim: number, g: SparseGrad, [sum]: Float32Array[], lr: number): void {
    this.hyper.lr = lr;
    adagradSparse(data, dim, g.rows, g.values, sum!, this.hyper);
  }
}
