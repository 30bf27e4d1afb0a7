// A 2-D row-major float32 tensor and the bookkeeping the tape (graph.ts) needs to run backward.

const NO_PARENTS: readonly Tensor[] = [];

export class Tensor {
  /**
   * dLoss/dThis. Leaves (graph inputs with requiresGrad, `detach` results) accumulate across backward calls;
   * inner nodes get a fresh buffer in every backward pass (only the last pass's value is kept).
   */
  grad: Float32Array | null = null;
  /** @internal Tensors this one was computed from (only those recorded on a tape). */
  parents: readonly Tensor[] = NO_PARENTS;
  /** @internal Pushes this.grad into the parents' grads; null for leaves. */
  backwardFn: (() => void) | null = null;
  /** @internal Position on the tape (creation order = a topological order). */
  tapeIndex = -1;
  /** @internal Last backward pass that reached this node. */
  mark = 0;

  constructor(
    readonly rows: number,
    readonly cols: number,
    public data: Float32Array,
    public requiresGrad = false,
  ) {}

  get size(): number {
    return this.rows * this.cols;
  }
  get isLeaf(): boolean {
    return this.backwardFn === null;
  }

  at(row: number, col: number): number {
    return this.data[row * this.cols + col]!;
  }
}

/** Make sure t.grad exists; returns true when it already held values (add to it), false when fresh (overwrite it). */
export function ensureGrad(t: Tensor, alloc: (n: number) => Float32Array): boolean {
  if (t.grad !== null) return true;
  t.grad = alloc(t.size);
  return false;
}
