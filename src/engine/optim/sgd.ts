import type { ParamStore, Parameter, SparseGrad } from '../params.js';
import { Optimizer, coupledDecay, type OptimizerOptions } from './optimizer.js';

const NONE = new Float32Array(0);

export interface SgdOptions extends OptimizerOptions {
  momentum?: number;
}

/**
 * SGD with optional momentum (buf = μ·buf + g; p −= lr·buf, as PyTorch with dampening 0) and L2 weight
 * decay. Tables keep momentum per row and update only the step's rows (lazy momentum).
 */
export class Sgd extends Optimizer {
  readonly type = 'sgd';
  private readonly momentum: number;
  private readonly weightDecay: number;

  constructor(store: ParamStore, options: SgdOptions) {
    super(store, options, (options.momentum ?? 0) !== 0 ? ['momentum'] : []);
    this.momentum = options.momentum ?? 0;
    this.weightDecay = coupledDecay(options);
  }

  /** Momentum buffer (none without momentum: no memory spent on it). */
  private buffer(p: { name: string }): Float32Array {
    return this.momentum !== 0 ? this.slot('momentum', p) : NONE;
  }

  protected updateDense(p: Parameter, lr: number): void {
    sgdRows(p.data, p.grad, this.buffer(p), 0, p.size, 0, lr, this.momentum, this.weightDecay);
  }

  protected updateRows(data: Float32Array, dim: number, g: SparseGrad, state: Float32Array[], lr: number): void {
    const buf = state[0] ?? NONE;
    for (let r = 0; r < g.rows.length; r++)
      sgdRows(data, g.values, buf, g.rows[r]! * dim, dim, r * dim, lr, this.momentum, this.weightDecay);
  }
}

/** p[base..base+n) −= lr·(μ·buf + g + wd·p), reading g from gOff. */
function sgdRows(
  p: Float32Array,
  g: Float32Array,
  buf: Float32Array,
  base: number,
  n: number,
  gOff: number,
  lr: number,
  mu: number,
  wd: number,
): void {
  for (let k = 0; k < n; k++) {
    const i = base + k;
    let d = g[gOff + k]! + wd * p[i]!;
    if (mu !== 0) d = buf[i] = mu * buf[i]! + d;
    p[i] = p[i]! - lr * d;
  }
}
