// Shared test fixtures: random gradient vectors and brute-force minimisation over a simplex grid.
import { Rng } from '../../src/util/rng.js';

export function randomGrads(rng: Rng, T: number, n: number, scales?: number[]): Float32Array[] {
  return Array.from({ length: T }, (_, t) => Float32Array.from({ length: n }, () => rng.normal() * (scales?.[t] ?? 1)));
}

/** ‖Σ αᵢgᵢ‖², computed directly on the vectors in float64 (independent of any Gram matrix). */
export function normOfCombination(grads: Float32Array[], alpha: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < grads[0]!.length; j++) {
    let v = 0;
    for (let t = 0; t < grads.length; t++) v += alpha[t]! * grads[t]![j]!;
    s += v * v;
  }
  return s;
}

/** Every point of {α ≥ lower, Σα = 1} on a grid with `steps` divisions of the free budget (T = 2 or 3). */
export function* simplexGrid(T: number, steps: number, lower: number[] = new Array(T).fill(0)): Generator<number[]> {
  const slack = 1 - lower.reduce((a, b) => a + b, 0);
  if (T === 2) {
    for (let i = 0; i <= steps; i++) yield [lower[0]! + (slack * i) / steps, lower[1]! + (slack * (steps - i)) / steps];
    return;
  }
  for (let i = 0; i <= steps; i++) {
    for (let j = 0; i + j <= steps; j++) {
      yield [
        lower[0]! + (slack * i) / steps,
        lower[1]! + (slack * j) / steps,
        lower[2]! + (slack * (steps - i - j)) / steps,
      ];
    }
  }
}

export function bruteForceMin(
  grads: Float32Array[],
  steps: number,
  lower?: number[],
): { alpha: number[]; value: number } {
  let best = { alpha: [] as number[], value: Infinity };
  for (const alpha of simplexGrid(grads.length, steps, lower)) {
    const value = normOfCombination(grads, alpha);
    if (value < best.value) best = { alpha, value };
  }
  return best;
}
