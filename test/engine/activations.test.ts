import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/engine/graph.js';
import { ParamStore } from '../../src/engine/params.js';
import { Adam } from '../../src/engine/optim/adam.js';
import { heap } from '../../src/engine/kernels.js';
import { Dense, MLP, type Activation } from '../../src/models/layers.js';
import { Rng } from '../../src/util/rng.js';

// The activations the config schema accepts, as the layers apply them: checked against textbook formulas in
// float64, and an MLP with each one must learn a nonlinear target.
const FORMULA: Record<Activation, (z: number) => number> = {
  relu: (z) => Math.max(0, z),
  'leaky-relu': (z) => (z > 0 ? z : 0.01 * z),
  gelu: (z) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3))),
  tanh: Math.tanh,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  none: (z) => z,
};
const ACTIVATIONS = Object.keys(FORMULA) as Activation[];

describe('Dense and MLP with every configurable activation', () => {
  it.each(ACTIVATIONS)('%s: Dense output = activation(x·W + b)', (act) => {
    const store = new ParamStore(5),
      rng = new Rng(2);
    const layer = new Dense(store, 'd', 3, 4, { activation: act });
    for (let i = 0; i < 4; i++) layer.b!.data[i] = rng.normal();
    const x = heap.f32(6);
    for (let i = 0; i < 6; i++) x[i] = rng.normal() * 2;
    const g = new Graph({ training: false });
    const y = layer.forward(g, g.input(x, 2, 3));
    for (let r = 0; r < 2; r++)
      for (let j = 0; j < 4; j++) {
        let z = layer.b!.data[j]!;
        for (let k = 0; k < 3; k++) z += x[r * 3 + k]! * layer.W.data[k * 4 + j]!;
        expect(y.at(r, j)).toBeCloseTo(FORMULA[act](z), 5);
      }
  });

  it.each(ACTIVATIONS.filter((a) => a !== 'none'))('%s: an MLP learns XOR-like data (loss falls by half)', (act) => {
    const store = new ParamStore(3),
      rng = new Rng(4);
    const mlp = new MLP(store, 'h', 2, [16], { activation: act });
    const out = new Dense(store, 'o', 16, 1);
    const opt = new Adam(store, { lr: 0.03 });
    const B = 64,
      x = heap.f32(B * 2),
      y = new Uint8Array(B);
    for (let i = 0; i < B; i++) {
      const a = rng.float() * 2 - 1,
        b = rng.float() * 2 - 1;
      x[2 * i] = a;
      x[2 * i + 1] = b;
      y[i] = a * b > 0 ? 1 : 0;
    }
    const step = () => {
      const g = new Graph({ training: true });
      store.zeroGrad();
      const loss = g.bceWithLogits(out.forward(g, mlp.forward(g, g.input(x, B, 2))), y);
      g.backward(loss);
      opt.step();
      return loss.data[0]!;
    };
    const first = step();
    let last = first;
    for (let s = 0; s < 300; s++) last = step();
    expect(last).toBeLessThan(first / 2);
  });
});
