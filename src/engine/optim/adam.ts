import { adamDense, adamSparse, type AdamHyper } from '../kernels.js';
import type { ParamStore, Parameter, SparseGrad } from '../params.js';
import { Optimizer, coupledDecay, type OptimizerOptions } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Adam with bias correction and L2 weight decay added to the gradient (PyTorch `Adam`), or decoupled from
 * it with `decoupled` (PyTorch `AdamW`, applied by the base class). Tables use the
 * lazy variant (PyTorch `SparseAdam`): only the step's rows have their moments and values touched.
 */
export class Adam extends Optimizer {
  readonly type = 'adam';
  private readonly hyper: AdamHyper;

  constructor(store: ParamStore, options: AdamOptions) {
    super(store, options, ['m', 'v']);
    this.hyper = {
      lr: options.lr,
      beta1: options.beta1 ?? 0.9,
      beta2: options.beta2 ?? 0.999,
      eps: options.eps ?? 1e-8,
      step: 0,
      weightDecay: coupledDecay(options),
    };
  }

  private at(lr: number): AdamHyper {
    this.hyper.lr = lr;
    this.hyper.step = this.steps;
    return this.hyper;
  }

  protected updateDense(p: Parameter, lr: number): void {
    adamDense(p.data, p.grad, this.slot('m', p), this.slot('v', p), this.at(lr), p.size);
  }

  protected updateRows(data: Float32Array, dim: number, g: SparseGrad, [m, v]: Float32Array[], lr: number): void {
    adamSparse(data, dim, g.rows, g.values, m!, v!, this.at(lr));
  }
}
