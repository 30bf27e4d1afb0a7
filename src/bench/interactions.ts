// `npm run bench -- interactions [--json] [--rounds N] [--steps N] [--threads N] [--vocab N]`: training step
// time of each interaction layer (and task-embedding mode) over the plain Shared-Bottom at the bench:engine
// shape (26 ID fields × dim 16 + 13 dense → 256→128 → 3 towers 64→1, batch 512, Adam + lazy Adam). The
// variants run round-robin in one process (same batches, same load), so their ratios are comparable on a
// busy machine; the tables are smaller than bench:engine's 100k rows (--vocab) to keep memory modest.
import { loadavg } from 'node:os';
import { Graph } from '../engine/graph.js';
import { scratch, setThreads, shutdownThreads } from '../engine/kernels.js';
import { createOptimizer } from '../engine/optim/index.js';
import type { Optimizer } from '../engine/optim/optimizer.js';
import { model as modelSchema } from '../config/schema.js';
import { createModel } from '../models/index.js';
import type { MultiTaskModel } from '../models/model.js';
import { STANDARD, syntheticBatches, type LabelledBatch } from './engine.js';
import { Rng } from '../util/rng.js';

export const VARIANTS: Record<string, Record<string, unknown>> = {
  none: {},
  fm: { interaction: 'fm' },
  dot: { interaction: 'dot', interactionFields: ['f0', 'f1'] },
  'dcn-v2 (2 layers, full rank)': { interaction: 'dcn-v2', crossLayers: 2, crossRank: 'full' },
  'dcn-v2 (2 layers, rank 32)': { interaction: 'dcn-v2', crossLayers: 2, crossRank: 32 },
  'dcn-v2 (1 layer, rank 32)': { interaction: 'dcn-v2', crossLayers: 1, crossRank: 32 },
  'dcn-v2 (default: 2 layers, rank 16)': { interaction: 'dcn-v2' },
  'taskEmbeddings shared+per-task': { taskEmbeddings: 'shared+per-task' },
};

interface Arm {
  name: string;
  model: MultiTaskModel;
  optimizers: Optimizer[];
  cpuMs: number[];
  wallMs: number[];
}

function arm(name: string, settings: Record<string, unknown>, vocab: number): Arm {
  const config = modelSchema.parse({ bottom: STANDARD.bottom, tower: STANDARD.tower, ...settings });
  const tasks = Object.fromEntries(Array.from({ length: STANDARD.tasks }, (_, t) => [`t${t}`, {}]));
  const spec = {
    categorical: Array.from({ length: STANDARD.fields }, (_, i) => ({
      name: `f${i}`,
      vocabSize: vocab,
      dim: STANDARD.dim,
    })),
    denseCount: STANDARD.dense,
  };
  const model = createModel({ model: config, tasks: tasks as never, seed: 42 }, spec);
  const optimizers = (['dense', 'embeddings'] as const).map((scope) =>
    createOptimizer('adam', model.store, { lr: 1e-3, scope }),
  );
  return { name, model, optimizers, cpuMs: [], wallMs: [] };
}

function step(a: Arm, batch: LabelledBatch, rng: Rng): void {
  const g = new Graph({ training: true, rng });
  a.model.store.zeroGrad();
  const { logits } = a.model.forward(g, batch.features);
  g.backward(g.sum(logits.map((l, t) => g.bceWithLogits(l, batch.labels[t]!, batch.weights[t]))));
  for (const o of a.optimizers) o.step();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const rounds = option('--rounds', 5),
    steps = option('--steps', 10),
    vocab = option('--vocab', 10_000);
  setThreads(option('--threads', 1));
  const batches = syntheticBatches({ ...STANDARD, vocab }, 8, 512, 1);
  const arms = Object.entries(VARIANTS).map(([name, s]) => arm(name, s, vocab));
  const rng = new Rng(3);
  for (const a of arms) for (let i = 0; i < 3; i++) step(a, batches[i]!, rng); // warm-up
  const load0 = loadavg()[0]!;
  for (let r = 0; r < rounds; r++)
    for (const a of arms) {
      const c0 = process.cpuUsage(),
        t0 = performance.now();
      for (let s = 0; s < steps; s++) step(a, batches[s % batches.length]!, rng);
      const c = process.cpuUsage(c0);
      a.cpuMs.push((c.user + c.system) / 1000 / steps);
      a.wallMs.push((performance.now() - t0) / steps);
      scratch.reset();
    }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const base = arms[0]!;
  const rows = arms.map((a) => ({
    variant: a.name,
    cpuMs: median(a.cpuMs),
    wallMs: median(a.wallMs),
    overCpu: median(a.cpuMs) / median(base.cpuMs) - 1,
    overWall: median(a.wallMs) / median(base.wallMs) - 1,
  }));
  const load = [load0, loadavg()[0]!];
  await shutdownThreads();
  if (args.includes('--json')) {
    console.log(JSON.stringify({ bench: 'interactions', rounds, steps, vocab, load, rows }));
    return;
  }
  console.log(`step time at the bench:engine shape, batch 512, median of ${rounds} rounds × ${steps} steps`);
  console.log(`load average ${load.map((l) => l.toFixed(1)).join(' → ')}\n`);
  console.log('| variant | CPU ms/step | over none | wall ms/step | over none |');
  console.log('|---|---|---|---|---|');
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(0)}%`;
  for (const r of rows)
    console.log(
      `| ${r.variant} | ${r.cpuMs.toFixed(1)} | ${pct(r.overCpu)} | ${r.wallMs.toFixed(1)} | ${pct(r.overWall)} |`,
    );
}

await main();
