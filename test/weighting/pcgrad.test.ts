import { describe, expect, it } from 'vitest';
import { createLossWeighting } from '../../src/weighting/index.js';
import { Rng } from '../../src/util/rng.js';
import { randomGrads } from './helpers.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** PCGrad as written in Yu et al. 2020 (Algorithm 1), directly on float64 vectors, same task order. */
function pcgradReference(grads: Float32Array[], weights: number[], rng: Rng): Float64Array {
  const g = grads.map((x, t) => Float64Array.from(x, (v) => v * weights[t]!));
  const out = new Float64Array(grads[0]!.length);
  g.forEach((gi, i) => {
    const pc = Float64Array.from(gi);
    for (const j of rng.shuffle([...g.keys()].filter((k) => k !== i))) {
      const d = dot(pc, g[j]!);
      if (d < 0) {
        const s = d / dot(g[j]!, g[j]!);
        pc.forEach((v, k) => {
          pc[k] = v - s * g[j]![k]!;
        });
      }
    }
    pc.forEach((v, k) => {
      out[k] = out[k]! + v;
    });
  });
  return out;
}

describe('PCGrad (Yu et al. 2020)', () => {
  const tasks = ['a', 'b', 'c'].map((name) => ({ name, lossWeight: 1 }));

  it('leaves no negative inner product with either task gradient on a conflicting pair', () => {
    const g1 = Float32Array.from([1, 0.2, 0]),
      g2 = Float32Array.from([-2, 1, 0.5]);
    expect(dot(g1, g2)).toBeLessThan(0);
    const w = createLossWeighting({ method: 'pcgrad' }, tasks.slice(0, 2), { seed: 1 });
    const input = { step: 0, losses: [1, 1], sharedGrads: [g1, g2] };
    const combined = w.combine!(input, w.weights(input));
    expect(dot(combined, g1)).toBeGreaterThanOrEqual(-1e-6);
    expect(dot(combined, g2)).toBeGreaterThanOrEqual(-1e-6);
    expect(
      dot(
        Float32Array.from(g1, (x, i) => x + g2[i]!),
        g1,
      ),
    ).toBeLessThan(0); // the plain sum would conflict
  });

  it('matches the paper’s algorithm on raw vectors (3 tasks, weights, seeded order)', () => {
    const rng = new Rng(9);
    for (let step = 0; step < 10; step++) {
      const grads = randomGrads(rng, 3, 20);
      const weights = [1, 0.5, 2];
      const w = createLossWeighting(
        { method: 'pcgrad', seed: 4 },
        tasks.map((t, i) => ({ ...t, lossWeight: weights[i]! })),
      );
      const combined = w.combine!({ step, losses: [1, 1, 1], sharedGrads: grads }, weights);
      const reference = pcgradReference(grads, weights, new Rng(4).fork('pcgrad').fork(step));
      combined.forEach((v, k) => expect(v).toBeCloseTo(reference[k]!, 4));
    }
  });

  it('is the weighted sum when no gradients conflict', () => {
    const g = [Float32Array.from([1, 0]), Float32Array.from([1, 1]), Float32Array.from([0, 2])];
    const w = createLossWeighting({ method: 'pcgrad' }, tasks);
    expect([...w.combine!({ step: 3, losses: [1, 1, 1], sharedGrads: g }, [1, 2, 3])]).toEqual([3, 8]);
    expect(w.describe()).toEqual({ a: 1, b: 2, c: 3 });
  });
});
