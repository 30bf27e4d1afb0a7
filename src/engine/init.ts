// Seeded initialisers. Each fills a rows×cols array (fan-in = rows, fan-out = cols, the layout of a
// Parameter used as x·W); none is a constant for units that must differ, except `zeros` (for biases).
import type { Rng } from '../util/rng.js';

export type Init = (data: Float32Array, rows: number, cols: number, rng: Rng) => void;

function uniform(data: Float32Array, limit: number, rng: Rng): void {
  for (let i = 0; i < data.length; i++) data[i] = (rng.float() * 2 - 1) * limit;
}

/** Glorot/Xavier uniform: U(±√(6/(fanIn+fanOut))). */
export const xavierUniform: Init = (data, rows, cols, rng) => uniform(data, Math.sqrt(6 / (rows + cols)), rng);

/** He/Kaiming normal for ReLU: N(0, 2/fanIn). */
export const heNormal: Init = (data, rows, _cols, rng) => {
  const std = Math.sqrt(2 / rows);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
};

/** He/Kaiming uniform for ReLU: U(±√(6/fanIn)). */
export const heUniform: Init = (data, rows, _cols, rng) => uniform(data, Math.sqrt(6 / rows), rng);

/** N(0, std²) — the usual choice for embedding tables. */
export function normal(std: number): Init {
  return (data, _rows, _cols, rng) => {
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
  };
}

/**
 * N(0, 1/cols): a table's rows scaled to its width, so the dot product of two rows starts with variance
 * 1/dim whatever the dim (the usual embedding init; a fixed small std keeps interaction terms near 0).
 */
export const scaledNormal: Init = (data, rows, cols, rng) => normal(1 / Math.sqrt(cols))(data, rows, cols, rng);

/** U(±limit). */
export function uniformInit(limit: number): Init {
  return (data, _rows, _cols, rng) => uniform(data, limit, rng);
}

/** Zeros: for biases only (the weights already break the symmetry). */
export const zeros: Init = (data) => {
  data.fill(0);
};
