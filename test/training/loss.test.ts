import { describe, expect, it } from 'vitest';
import { taskLosses, taskProbabilities } from '../../src/training/loss.js';
import { funnelChains } from '../../src/models/esmm.js';

const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe('per-task losses on logits', () => {
  const Z = Float32Array.from([0.3, -1.2, 2.0, -0.4, 0.9, -3.1, 1.5, 0.2, -0.7]); // 3 rows × 3 tasks
  const chains = [[0], [0, 1], [0, 1, 2]];
  const labels = [Uint8Array.from([1, 0, 1]), Uint8Array.from([0, 0, 1]), Uint8Array.from([0, 0, 1])];
  const lw = [1, 3, 10];

  it('equal the weighted BCE of the chain products, computed directly', () => {
    const { losses } = taskLosses({ Z, rows: 3, chains, labels, labelWeights: lw });
    chains.forEach((chain, t) => {
      let sum = 0;
      for (let i = 0; i < 3; i++) {
        const p = chain.reduce((a, j) => a * sig(Z[i * 3 + j]!), 1);
        const y = labels[t]![i]!;
        sum += (y ? lw[t]! : 1) * -(y ? Math.log(p) : Math.log(1 - p));
      }
      expect(losses[t]).toBeCloseTo(sum / 3, 5);
    });
    const probs = taskProbabilities(Z, 3, chains);
    expect(probs[2]![1]).toBeCloseTo(sig(-0.4) * sig(0.9) * sig(-3.1), 6);
  });

  it('have gradients equal to central differences in float64', () => {
    const { grads } = taskLosses({ Z, rows: 3, chains, labels, labelWeights: lw }, (n) => new Float32Array(n));
    const Z64 = Float64Array.from(Z);
    for (let t = 0; t < 3; t++) {
      for (let k = 0; k < 9; k++) {
        const f = (d: number) => {
          const z = Float32Array.from(Z64);
          z[k] = z[k]! + d;
          return taskLosses({ Z: z, rows: 3, chains, labels, labelWeights: lw }).losses[t]!;
        };
        const numeric = (f(1e-2) - f(-1e-2)) / 2e-2;
        expect(grads[t]![k], `task ${t} z[${k}]`).toBeCloseTo(numeric, 3);
      }
    }
  });

  it('stay finite for extreme logits', () => {
    const big = Float32Array.from([80, 80, 80, -80, -80, -80]);
    const r = taskLosses(
      { Z: big, rows: 2, chains, labels: labels.map((y) => y.subarray(0, 2)), labelWeights: lw },
      (n) => new Float32Array(n),
    );
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(r.grads.every((g) => g.every(Number.isFinite))).toBe(true);
  });
});

describe('funnel chains', () => {
  it('follow dependsOn to the root and reject cycles', () => {
    expect(
      funnelChains([{ name: 'click' }, { name: 'cart', dependsOn: 'click' }, { name: 'order', dependsOn: 'cart' }]),
    ).toEqual([[0], [0, 1], [0, 1, 2]]);
    expect(() =>
      funnelChains([
        { name: 'a', dependsOn: 'b' },
        { name: 'b', dependsOn: 'a' },
      ]),
    ).toThrow(/cycle/);
  });
});
