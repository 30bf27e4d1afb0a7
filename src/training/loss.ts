// Per-task weighted binary cross-entropy on the model's logits, computed here (not on the tape) because
// ESMM fits products of sigmoids: task t's probability is p_t = Π_{j ∈ chain(t)} σ(z_j). Its logit is
//   u_t = logit(p_t) = −log(Π_j (1 + e^{−z_j}) − 1) = −S − log(1 − e^{−S}),  S = Σ_j softplus(−z_j),
// and   dL/dz_j = w·σ(−z_j)·(y ? −1 : e^{u_t − softplus(z_j)})   (which is w·(σ(z_j) − y) for a chain of one).
// The loss of a batch is Σᵢ wᵢ·bceᵢ / B with wᵢ = labelWeight for positives, 1 for negatives; rows whose label
// is MISSING_LABEL are left out of that task's loss, and B counts its labelled rows only (so a task's loss and
// gradient are those of training on its labelled subset).
import { MISSING_LABEL } from '../data/types.js';

export interface LossInput {
  /** B×T logits, row-major (task columns in task order). */
  Z: Float32Array;
  rows: number;
  chains: readonly (readonly number[])[];
  labels: readonly Uint8Array[];
  labelWeights: readonly number[];
}

export interface TaskLosses {
  losses: number[];
  /** Per task, dL_t/dZ (B×T; only the task's chain columns are non-zero). */
  grads: Float32Array[];
}

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** Per-example logit u of the chain's product probability, in float64. */
function chainLogit(Z: Float32Array, T: number, i: number, chain: readonly number[]): number {
  if (chain.length === 1) return Z[i * T + chain[0]!]!;
  let S = 0;
  for (const j of chain) S += softplus(-Z[i * T + j]!);
  S = Math.max(S, 1e-300);
  return -S - Math.log(-Math.expm1(-S));
}

/** Losses per task and, when `alloc` is given, their gradients with respect to Z. */
export function taskLosses(inp: LossInput, alloc?: (n: number) => Float32Array): TaskLosses {
  const { Z, rows: B, chains, labels, labelWeights } = inp;
  const T = chains.length;
  const losses: number[] = [];
  const grads: Float32Array[] = [];
  for (let t = 0; t < T; t++) {
    const chain = chains[t]!,
      y = labels[t]!,
      lw = labelWeights[t]!;
    const grad = alloc ? alloc(B * T).fill(0) : null;
    let labelled = 0;
    for (let i = 0; i < B; i++) if (y[i] !== MISSING_LABEL) labelled++;
    const n = Math.max(1, labelled);
    let sum = 0;
    for (let i = 0; i < B; i++) {
      if (y[i] === MISSING_LABEL) continue;
      const u = chainLogit(Z, T, i, chain);
      const pos = y[i] === 1,
        w = pos ? lw : 1;
      sum += w * (Math.max(u, 0) - (pos ? u : 0) + Math.log1p(Math.exp(-Math.abs(u))));
      if (!grad) continue;
      for (const j of chain) {
        const z = Z[i * T + j]!;
        const sNeg = 1 / (1 + Math.exp(z)); // σ(−z)
        grad[i * T + j] = (w / n) * (pos ? -sNeg : chain.length === 1 ? 1 - sNeg : Math.exp(u - softplus(z)));
      }
    }
    losses.push(sum / n);
    if (grad) grads.push(grad);
  }
  return { losses, grads };
}

/** Predicted probabilities per task from B×T logits: Π σ(z_j) over each task's chain. */
export function taskProbabilities(
  Z: Float32Array,
  rows: number,
  chains: readonly (readonly number[])[],
  out?: Float32Array[],
  offset = 0,
): Float32Array[] {
  const T = chains.length;
  const res = out ?? chains.map(() => new Float32Array(rows));
  for (let t = 0; t < T; t++) {
    const p = res[t]!;
    for (let i = 0; i < rows; i++) {
      let prob = 1;
      for (const j of chains[t]!) prob *= 1 / (1 + Math.exp(-Z[i * T + j]!));
      p[offset + i] = prob;
    }
  }
  return res;
}
