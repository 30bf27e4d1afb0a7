// A tiny bias-corrected Adam over a handful of float64 scalars: the strategies that learn their weights
// (uncertainty, gradnorm) step them with it, independently of the network's optimizer.
export interface AdamState {
  m: number[];
  v: number[];
  t: number;
}

export class ScalarAdam {
  private m: number[];
  private v: number[];
  private t = 0;

  constructor(
    n: number,
    readonly lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = new Array<number>(n).fill(0);
    this.v = new Array<number>(n).fill(0);
  }

  /** params[i] -= lr · m̂ᵢ / (√v̂ᵢ + ε), in place. */
  step(params: number[], grads: readonly number[]): void {
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t,
      bc2 = 1 - this.beta2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i]!;
      this.m[i] = this.beta1 * this.m[i]! + (1 - this.beta1) * g;
      this.v[i] = this.beta2 * this.v[i]! + (1 - this.beta2) * g * g;
      params[i] = params[i]! - (this.lr * this.m[i]!) / bc1 / (Math.sqrt(this.v[i]! / bc2) + this.eps);
    }
  }

  state(): AdamState {
    return { m: [...this.m], v: [...this.v], t: this.t };
  }

  load(s: AdamState): void {
    this.m = [...s.m];
    this.v = [...s.v];
    this.t = s.t;
  }
}
