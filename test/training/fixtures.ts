// A tiny learnable multi-task dataset built directly as EncodedSplits (no files, no DuckDB), and a config.
import type { EncodedSplit } from '../../src/data/types.js';
import { parseConfig, type ExperimentConfig } from '../../src/config/index.js';
import { Rng } from '../../src/util/rng.js';

/**
 * Users and items with latent vectors; click, cart|click and order|cart each follow a logistic model of the
 * user–item affinity and a dense feature, so every task is learnable from (user, item, dense).
 */
export function tinyFunnel(rows: number, seed: number, opts: { users?: number; items?: number } = {}): EncodedSplit {
  const users = opts.users ?? 40,
    items = opts.items ?? 60,
    dim = 4;
  const world = new Rng(1234); // the same world for every split; rows differ by seed
  const uv = Array.from({ length: users + 1 }, () => Array.from({ length: dim }, () => world.normal()));
  const iv = Array.from({ length: items + 1 }, () => Array.from({ length: dim }, () => world.normal()));
  const rng = new Rng(seed);
  const user = new Int32Array(rows),
    item = new Int32Array(rows),
    dense = new Float32Array(rows * 2);
  const click = new Uint8Array(rows),
    cart = new Uint8Array(rows),
    order = new Uint8Array(rows);
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  for (let r = 0; r < rows; r++) {
    const u = 1 + rng.int(users),
      i = 1 + rng.int(items);
    user[r] = u;
    item[r] = i;
    const d0 = rng.normal(),
      d1 = rng.normal();
    dense[2 * r] = d0;
    dense[2 * r + 1] = d1;
    let a = 0;
    for (let k = 0; k < dim; k++) a += uv[u]![k]! * iv[i]![k]!;
    click[r] = rng.float() < sig(1.2 * a + 0.8 * d0 - 1.5) ? 1 : 0;
    cart[r] = click[r] && rng.float() < sig(a + d1 - 0.5) ? 1 : 0;
    order[r] = cart[r] && rng.float() < sig(0.8 * a + 0.5) ? 1 : 0;
  }
  return {
    rows,
    categorical: [
      { name: 'user', ids: user, vocabSize: users + 1, dim: 4 },
      { name: 'item', ids: item, vocabSize: items + 1, dim: 4 },
    ],
    multi: [],
    dense,
    denseNames: ['d0', 'd1'],
    labels: { click, cart, order },
    group: user.slice(),
  };
}

export function tinyConfig(overrides: string[] = [], raw: Record<string, unknown> = {}): ExperimentConfig {
  return parseConfig(
    {
      seed: 7,
      data: { train: 'train.csv', valid: 'valid.csv', test: 'test.csv' },
      features: {
        user: { type: 'categorical', embeddingDim: 4, group: true },
        item: { type: 'categorical', embeddingDim: 4 },
        d0: { type: 'numeric' },
        d1: { type: 'numeric' },
      },
      tasks: {
        click: { label: 'click' },
        cart: { label: 'cart', dependsOn: 'click' },
        order: { label: 'order', dependsOn: 'cart' },
      },
      model: { type: 'shared-bottom', bottom: [16], tower: [8], experts: 3, expertHidden: [8], levels: 2 },
      training: {
        epochs: 2,
        batchSize: 64,
        evalEvery: 20,
        checkpointEvery: 15,
        optimizer: { type: 'adam', lr: 0.01 },
        embeddingOptimizer: { type: 'adam', lr: 0.01 },
        earlyStopping: false,
        threads: 1,
      },
      ...raw,
    },
    overrides,
    { baseDir: '/tmp' },
  );
}
