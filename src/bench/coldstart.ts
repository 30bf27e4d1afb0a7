// `npm run bench:coldstart [-- --json] [--seeds 3] [--epochs 4] [--quick]`: what pretrained item embeddings buy.
// On KuaiRand (time split 70/15/15) and the synthetic funnel (same split by time): test AUC per task on rows whose
// item was seen in training vs not, for Shared-Bottom with end-to-end item embeddings, item2vec-initialised ones
// and GraphSAGE-initialised ones (finetuned, and frozen), mean ± sd over seeds. Pretraining sees the behaviour log up to the
// test period (train + valid interactions, no labels): items first seen in the valid period are unseen by the
// ranking model but have pretrained vectors (vocabulary extension). Also item2vec pairs/s on 1 and 2 threads,
// GraphSAGE seconds per epoch, and peak RSS.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, type ExperimentConfig } from '../config/index.js';
import type { EncodedSplit } from '../data/types.js';
import { generateFunnel } from '../data/synth.js';
import { createModel, featureSpec } from '../models/index.js';
import { createOptimizers, labelWeightsFor, trainStep, applyThreads } from '../training/trainer.js';
import { predictSplit } from '../training/evaluation.js';
import { epochOrder } from '../training/batches.js';
import { createLossWeighting } from '../weighting/index.js';
import { auc, hasBothClasses } from '../metrics/index.js';
import { shutdownThreads } from '../engine/kernels.js';
import { readInteractionLog } from '../pretrain/log.js';
import { buildSequences } from '../pretrain/sequences.js';
import { trainItem2vec } from '../pretrain/item2vec.js';
import { buildBipartiteGraph } from '../pretrain/graph.js';
import { embedAll, trainGraphSage } from '../pretrain/graphsage.js';
import { initFromPretrained, type PretrainedInit } from '../pretrain/init.js';
import { coldStartBreakdown } from '../pretrain/cold-start.js';
import type { WordVectors } from '../pretrain/word2vec-io.js';
import { Rng } from '../util/rng.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const opt = (name: string, dflt: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : dflt; };
const QUICK = flag('quick');
const SEEDS = opt('seeds', QUICK ? 1 : 3), EPOCHS = opt('epochs', QUICK ? 2 : 4), DIM = 16;

/** A log in time order with binary labels and one dense column. */
interface Dataset { name: string; users: string[]; items: string[]; time: Float64Array; labels: Record<string, Uint8Array>; dense: Float32Array }
interface Splits { train: number[]; valid: number[]; test: number[] }

async function kuairand(): Promise<Dataset | null> {
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
  const path = [join(root, '..', 'shared', 'datasets', 'kuairand-k15', 'interactions.tsv'), '/work/shared/datasets/kuairand-k15/interactions.tsv'].find(existsSync);
  if (!path) return null;
  const log = await readInteractionLog(path, { user: 'user_id', item: 'video_id', time: 'time_ms', numeric: ['is_click', 'long_view', 'label', 'duration_ms'] });
  const bit = (c: string) => Uint8Array.from(log.numeric[c]!, (x) => (x > 0 ? 1 : 0));
  return {
    name: 'KuaiRand', users: log.users, items: log.items, time: log.time!,
    labels: { click: bit('is_click'), long_view: bit('long_view'), like: bit('label') },
    dense: Float32Array.from(log.numeric.duration_ms!, (x) => Math.log1p(Number.isFinite(x) ? Math.max(0, x) : 0)),
  };
}

function funnel(): Dataset {
  const d = generateFunnel({ rows: QUICK ? 20_000 : 60_000, seed: 11, clickRate: 0.15, cartRate: 0.05, orderRate: 0.02, newItemShare: 0.3 });
  return {
    name: 'synthetic funnel', users: Array.from(d.user, String), items: Array.from(d.item, String), time: Float64Array.from(d.ts),
    labels: { click: d.click, cart: d.cart, order: d.order }, dense: Float32Array.from(d.price, (p) => Math.log1p(p)),
  };
}

/** Rows ordered by time, cut at 70% and 85%. */
function timeSplit(d: Dataset): Splits {
  const order = Array.from(d.time.keys()).sort((a, b) => d.time[a]! - d.time[b]! || a - b);
  const n = order.length, a = Math.floor(0.7 * n), b = Math.floor(0.85 * n);
  return { train: order.slice(0, a), valid: order.slice(a, b), test: order.slice(b) };
}

function vocabulary(tokens: string[], rows: number[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) if (!m.has(tokens[r]!)) m.set(tokens[r]!, m.size + 1);
  return m;
}

/** EncodedSplit with user_id and item_id (ids from the given vocabularies) and one standardised dense column. */
function encode(d: Dataset, rows: number[], users: Map<string, number>, items: Map<string, number>, itemRows: number, stats: { mean: number; std: number }): EncodedSplit {
  const col = (name: string, tokens: string[], vocab: Map<string, number>, size: number) =>
    ({ name, ids: Int32Array.from(rows, (r) => vocab.get(tokens[r]!) ?? 0), vocabSize: size, dim: DIM });
  return {
    rows: rows.length,
    categorical: [col('user_id', d.users, users, users.size + 1), col('item_id', d.items, items, itemRows)],
    multi: [], dense: Float32Array.from(rows, (r) => (d.dense[r]! - stats.mean) / stats.std), denseNames: ['dense'],
    labels: Object.fromEntries(Object.entries(d.labels).map(([t, y]) => [t, Uint8Array.from(rows, (r) => y[r]!)])),
  };
}

function configFor(d: Dataset, seed: number): ExperimentConfig {
  return parseConfig({
    seed, data: { train: 'in-memory' },
    features: { user_id: { type: 'categorical', embeddingDim: DIM }, item_id: { type: 'categorical', embeddingDim: DIM, role: 'item' }, dense: { type: 'numeric' } },
    tasks: Object.fromEntries(Object.keys(d.labels).map((t) => [t, { label: t }])),
    model: { type: 'shared-bottom', bottom: [64, 32], tower: [16] },
    training: { epochs: EPOCHS, batchSize: 256, optimizer: { type: 'adam', lr: 0.002 }, embeddingOptimizer: { type: 'adam', lr: 0.01 }, threads: 1 },
  });
}

interface VariantResult {
  all: Record<string, number>; seen: Record<string, number>; unseen: Record<string, number>;
  /** Unseen in training but present in the pretraining log: the rows where a pretrained vector can help. */
  unseenPretrained: Record<string, number>;
  unseenRows: number; testRows: number;
}

/** Trains Shared-Bottom; returns test metrics at the epoch with the best mean valid AUC. */
function trainAndTest(d: Dataset, seed: number, train: EncodedSplit, valid: EncodedSplit, test: EncodedSplit, itemSeen: Uint8Array, unseenPretrained: Uint8Array, init: PretrainedInit | null, freeze: boolean): VariantResult {
  const config = configFor(d, seed);
  const model = createModel(config, featureSpec(train));
  if (init) {
    const table = model.store.tables().find((t) => t.name === 'emb.item_id');
    if (!table || table.data.length !== init.data.length) throw new Error('bench: item table missing or of the wrong size');
    table.data.set(init.data);
    table.frozen = freeze;
  }
  const optimizers = createOptimizers(config, model);
  const weighting = createLossWeighting(config.training.lossWeighting, model.tasks.map((name) => ({ name, lossWeight: 1 })), { seed });
  const lw = model.tasks.map((t) => labelWeightsFor(config, train)[t]!);
  const B = config.training.batchSize, steps = Math.ceil(train.rows / B);
  const meanAuc = (split: EncodedSplit, probs: Float32Array[]) => probs.reduce((s, p, t) => s + auc(p, split.labels[model.tasks[t]!]!), 0) / probs.length;
  let best = -Infinity, result: VariantResult | null = null, step = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const order = epochOrder(train.rows, seed, epoch);
    for (let s = 0; s < steps; s++, step++) {
      trainStep({ model, optimizers, weighting, labelWeights: lw, step, lrs: [config.training.optimizer.lr, config.training.embeddingOptimizer.lr], clipNorm: 0, split: train, batchRows: order.subarray(s * B, Math.min(train.rows, (s + 1) * B)), seed });
    }
    const v = meanAuc(valid, predictSplit(model, valid));
    if (v <= best) continue;
    best = v;
    const probs = predictSplit(model, test);
    const scores = Object.fromEntries(model.tasks.map((t, k) => [t, probs[k]!]));
    const cs = coldStartBreakdown({ scores, labels: test.labels, itemSeen });
    const pick = (f: (t: string) => number | null) => Object.fromEntries(model.tasks.map((t) => [t, f(t) ?? NaN]));
    result = {
      all: pick((t) => (hasBothClasses(test.labels[t]!) ? auc(scores[t]!, test.labels[t]!) : null)),
      seen: pick((t) => cs[t]!.seen.auc), unseen: pick((t) => cs[t]!.unseen.auc),
      unseenPretrained: pick((t) => subsetAuc(scores[t]!, test.labels[t]!, unseenPretrained)),
      unseenRows: cs[model.tasks[0]!]!.unseen.rows, testRows: test.rows,
    };
  }
  return result!;
}

function subsetAuc(scores: Float32Array, labels: Uint8Array, mask: Uint8Array): number | null {
  const idx = [...mask.keys()].filter((i) => mask[i]);
  const y = Uint8Array.from(idx, (i) => labels[i]!);
  return hasBothClasses(y) ? auc(Float64Array.from(idx, (i) => scores[i]!), y) : null;
}

interface Pretrained { item2vec: WordVectors; graphsage: WordVectors; pairsPerSecond: Record<string, number>; graphsageEpochSeconds: number }

async function pretrain(d: Dataset, rows: number[]): Promise<Pretrained> {
  const log = { users: rows.map((r) => d.users[r]!), items: rows.map((r) => d.items[r]!), time: Float64Array.from(rows, (r) => d.time[r]!) };
  const seqs = buildSequences(log);
  const pairsPerSecond: Record<string, number> = {};
  let item2vec: WordVectors | null = null;
  for (const threads of [1, 2]) {
    const cpu0 = process.cpuUsage();
    const r = await trainItem2vec(seqs, { dim: DIM, window: 5, epochs: QUICK ? 2 : 5, negative: 5, threads, seed: 1 });
    const cpu = process.cpuUsage(cpu0);
    pairsPerSecond[`threads${threads}`] = r.pairsPerSecond;
    // Process CPU time covers the worker threads too: pairs per CPU-second is the per-core speed, whatever else runs.
    pairsPerSecond[`threads${threads}PerCpuSecond`] = r.pairs / ((cpu.user + cpu.system) / 1e6);
    if (threads === 1) item2vec = r.vectors; // the repeatable one feeds the comparison
  }
  const graph = buildBipartiteGraph(log);
  const g = trainGraphSage(graph, { dim: DIM, layers: 2, fanout: [10, 5], epochs: QUICK ? 1 : 3, negative: 5, batchSize: 512, seed: 1 });
  const Z = embedAll(g.model), U = graph.users.length;
  return {
    item2vec: item2vec!, graphsage: { tokens: graph.items, dim: DIM, data: Z.slice(U * DIM) }, pairsPerSecond,
    graphsageEpochSeconds: g.epochSeconds.reduce((a, b) => a + b, 0) / g.epochSeconds.length,
  };
}

const fmt = (xs: number[]) => {
  const ok = xs.filter(Number.isFinite);
  if (!ok.length) return '   n/a        ';
  const m = ok.reduce((a, b) => a + b, 0) / ok.length;
  const sd = Math.sqrt(ok.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, ok.length - 1));
  return `${m.toFixed(4)} ± ${sd.toFixed(4)}`;
};

async function runDataset(d: Dataset) {
  const split = timeSplit(d);
  const users = vocabulary(d.users, split.train), items = vocabulary(d.items, split.train);
  const trainDense = split.train.map((r) => d.dense[r]!);
  const mean = trainDense.reduce((a, b) => a + b, 0) / trainDense.length;
  const std = Math.sqrt(trainDense.reduce((a, b) => a + (b - mean) ** 2, 0) / trainDense.length) || 1;
  const stats = { mean, std };
  const itemSeen = Uint8Array.from(split.test, (r) => (items.has(d.items[r]!) ? 1 : 0));
  const pretrainRows = [...split.train, ...split.valid];
  const pre = await pretrain(d, pretrainRows);
  const pretrainItems = new Set(pretrainRows.map((r) => d.items[r]!));
  const unseenPretrained = Uint8Array.from(split.test, (r, i) => (!itemSeen[i] && pretrainItems.has(d.items[r]!) ? 1 : 0));

  const variants: { name: string; vectors: WordVectors | null; freeze?: boolean }[] = [
    { name: 'end-to-end', vectors: null },
    { name: 'item2vec finetune', vectors: pre.item2vec }, { name: 'GraphSAGE finetune', vectors: pre.graphsage },
    { name: 'item2vec freeze', vectors: pre.item2vec, freeze: true }, { name: 'GraphSAGE freeze', vectors: pre.graphsage, freeze: true },
  ];
  const out: Record<string, { seeds: VariantResult[]; coverage?: PretrainedInit['coverage']; unseenWithVector?: number }> = {};
  for (const v of variants) {
    const seeds: VariantResult[] = [];
    let coverage: PretrainedInit['coverage'] | undefined, unseenWithVector: number | undefined;
    for (let s = 0; s < SEEDS; s++) {
      const seed = 100 + s;
      const init = v.vectors ? initFromPretrained(items, items.size + 1, v.vectors, { dim: DIM, rng: new Rng(seed).fork('pretrained'), extendVocab: true }) : null;
      const itemVocab = init?.vocab ?? items, itemRows = init?.vocabSize ?? items.size + 1;
      const enc = (rows: number[]) => encode(d, rows, users, itemVocab, itemRows, stats);
      const test = enc(split.test);
      seeds.push(trainAndTest(d, seed, enc(split.train), enc(split.valid), test, itemSeen, unseenPretrained, init, v.freeze ?? false));
      coverage = init?.coverage;
      if (init) unseenWithVector = split.test.filter((r, i) => !itemSeen[i] && itemVocab.has(d.items[r]!)).length;
    }
    out[v.name] = { seeds, coverage, unseenWithVector };
  }
  return { split, itemSeen, unseenPretrained, pre, out };
}

async function main() {
  applyThreads(1);
  const datasets = [await kuairand(), funnel()].filter((d): d is Dataset => d !== null);
  const json: Record<string, unknown> = {};
  for (const d of datasets) {
    const r = await runDataset(d);
    const tasks = Object.keys(d.labels);
    const unseen = r.itemSeen.length - r.itemSeen.reduce((a, b) => a + b, 0);
    console.log(`\n## ${d.name}: ${d.users.length} rows; train/valid/test ${r.split.train.length}/${r.split.valid.length}/${r.split.test.length}; ` +
      `test rows with an item unseen in training: ${unseen} (${(100 * unseen / r.split.test.length).toFixed(1)}%); ${SEEDS} seeds, ${EPOCHS} epochs`);
    console.log(`item2vec: ${Math.round(r.pre.pairsPerSecond.threads1!)} pairs/s on 1 thread, ${Math.round(r.pre.pairsPerSecond.threads2!)} on 2 ` +
      `(×${(r.pre.pairsPerSecond.threads2! / r.pre.pairsPerSecond.threads1!).toFixed(2)}); per CPU-second ` +
      `${Math.round(r.pre.pairsPerSecond.threads1PerCpuSecond!)} and ${Math.round(r.pre.pairsPerSecond.threads2PerCpuSecond!)}; GraphSAGE: ${r.pre.graphsageEpochSeconds.toFixed(2)} s/epoch`);
    const slices = ['all', 'seen', 'unseen', 'unseenPretrained'] as const;
    const nPre = r.unseenPretrained.reduce((a, b) => a + b, 0);
    console.log(`test AUC, mean ± sd over seeds; "unseen, pretrained" = the ${nPre} unseen rows whose item occurs in the pretraining log`);
    for (const t of tasks) {
      console.log(`\n| ${t} | all | seen | unseen | unseen, pretrained |\n|---|---|---|---|---|`);
      for (const [name, v] of Object.entries(r.out)) console.log(`| ${name} | ${slices.map((k) => fmt(v.seeds.map((s) => s[k][t]!))).join(' | ')} |`);
    }
    for (const [name, v] of Object.entries(r.out)) {
      if (v.coverage && !name.endsWith('freeze')) console.log(`${name}: ${v.coverage.covered}/${v.coverage.vocabulary} training items covered, ${v.coverage.extended} appended; ${v.unseenWithVector} of ${unseen} unseen test rows get a pretrained vector`);
    }
    json[d.name] = { rows: d.users.length, testRows: r.split.test.length, unseenTestRows: unseen, pairsPerSecond: r.pre.pairsPerSecond, graphsageEpochSeconds: r.pre.graphsageEpochSeconds, variants: r.out };
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`\npeak RSS ${peakRssMb.toFixed(0)} MB`);
  if (flag('json')) console.log(JSON.stringify({ bench: 'coldstart', seeds: SEEDS, epochs: EPOCHS, peakRssMb, datasets: json }));
  shutdownThreads();
}

await main();
