// `npm run bench:coldstart [-- --json] [--seeds 3] [--epochs 4] [--quick] [--dataset kuairand|funnel] [--variants a,b]
// [--sage-dim 8,16,32] [--sage-epochs 1,3,6] [--sage-fanout 5x3,10x5,20x10]`:
// what pretrained item embeddings buy. On KuaiRand (time split 70/15/15) and the synthetic funnel (same split by
// time): test AUC per task on all rows, rows whose item was seen in training, unseen rows whose item has a
// pretrained vector, and unseen rows whose item has none (truly new: the OOV row), for Shared-Bottom with end-to-end
// item embeddings (with and without ID dropout) and item2vec / GraphSAGE vectors (finetune, freeze, concat, with
// and without rescale), mean ± sd over seeds. Pretraining sees the behaviour log up to the test period (train +
// valid interactions, no labels): items first seen in the valid period are unseen by the ranking model but have
// pretrained vectors (vocabulary extension). Every variant runs through the real pipeline: an experiment config
// with `pretrained:` on the item feature, `runTraining` (encoding, vocabulary extension, table init, modes,
// best-valid checkpoint), and the cold-start breakdown of metrics.json. Also the RMS coordinate of the vector files
// and of the item tables after training, item2vec pairs/s on 1 and 2 threads, GraphSAGE seconds per epoch, peak RSS.
// `--sage-dim` / `--sage-epochs` / `--sage-fanout` sweep the GraphSAGE settings instead, one at a time with the
// others at their defaults (dim 16, 3 epochs, neighbours per hop 10x5): the recommended mode per setting, beside the
// end-to-end + ID dropout yardstick. The item embeddingDim follows the vector dimension (the file must match it), so
// each swept dimension also gets an end-to-end + ID dropout run at that embeddingDim. Each vector file is pretrained
// once per setting, on first use, and shared by the seeds.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/index.js';
import { prepareData, type PreparedData } from '../data/index.js';
import { generateFunnel } from '../data/synth.js';
import { runTraining } from '../training/run.js';
import { predictSplit } from '../training/evaluation.js';
import { applyThreads } from '../training/trainer.js';
import { auc, hasBothClasses } from '../metrics/index.js';
import { shutdownThreads } from '../engine/kernels.js';
import { readInteractionLog } from '../pretrain/log.js';
import { buildSequences } from '../pretrain/sequences.js';
import { trainItem2vec } from '../pretrain/item2vec.js';
import { buildBipartiteGraph, nodeOf } from '../pretrain/graph.js';
import { embedAll, trainGraphSage } from '../pretrain/graphsage.js';
import type { PretrainedCoverage } from '../features/vector-init.js';
import { coldStartBreakdown, itemSeenFlags, type ColdStartBreakdown } from '../pretrain/cold-start.js';
import { writeVectors, type WordVectors } from '../features/word2vec-io.js';
import type { FittedCategorical } from '../features/preprocessor.js';
import type { ParamStore } from '../engine/params.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const QUICK = flag('quick');
const text = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]!.toLowerCase() : undefined;
};
/** `--variants a,b`: only variants whose name contains one of these (end-to-end always runs); `--dataset kuairand|funnel`. */
const ONLY_VARIANTS = text('variants')?.split(','),
  ONLY_DATASET = text('dataset');
const SEEDS = opt('seeds', QUICK ? 1 : 3),
  EPOCHS = opt('epochs', QUICK ? 2 : 4),
  DIM = 16,
  BATCH = 256;
/** GraphSAGE dimension, epochs and neighbours sampled per hop of one vector file. */
interface SageSetting {
  dim: number;
  epochs: number;
  fanout: number[];
}
const SAGE_DEFAULT: SageSetting = { dim: DIM, epochs: QUICK ? 1 : 3, fanout: [10, 5] };
const sageLabel = (s: SageSetting) => `dim ${s.dim}, ${s.epochs} epochs, fanout ${s.fanout.join('x')}`;
/** `--name 8,16` → [[8], [16]]; `--name 10x5,20x10` → [[10, 5], [20, 10]]. */
const numbers = (name: string) => {
  const list = text(name)
    ?.split(',')
    .map((x) => x.split('x').map(Number));
  if (list?.flat().some((x) => !Number.isInteger(x) || x < 1))
    throw new Error(`bench: --${name} takes positive integers separated by commas, got ${text(name)}`);
  return list;
};
const SAGE_DIMS = numbers('sage-dim')?.map(([x]) => x!),
  SAGE_EPOCHS = numbers('sage-epochs')?.map(([x]) => x!),
  SAGE_FANOUTS = numbers('sage-fanout');

/** A log in time order with binary labels and one dense column. */
interface Dataset {
  name: string;
  users: string[];
  items: string[];
  time: Float64Array;
  labels: Record<string, Uint8Array>;
  dense: Float32Array;
}
interface Splits {
  train: number[];
  valid: number[];
  test: number[];
}

async function kuairand(): Promise<Dataset | null> {
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
  const path = [
    join(root, '..', 'shared', 'datasets', 'kuairand-k15', 'interactions.tsv'),
    '/work/shared/datasets/kuairand-k15/interactions.tsv',
  ].find(existsSync);
  if (!path) return null;
  const log = await readInteractionLog(path, {
    user: 'user_id',
    item: 'video_id',
    time: 'time_ms',
    numeric: ['is_click', 'long_view', 'label', 'duration_ms'],
  });
  const bit = (c: string) => Uint8Array.from(log.numeric[c]!, (x) => (x > 0 ? 1 : 0));
  return {
    name: 'KuaiRand',
    users: log.users,
    items: log.items,
    time: log.time!,
    labels: { click: bit('is_click'), long_view: bit('long_view'), like: bit('label') },
    dense: Float32Array.from(log.numeric.duration_ms!, (x) => Math.log1p(Number.isFinite(x) ? Math.max(0, x) : 0)),
  };
}

function funnel(): Dataset {
  const d = generateFunnel({
    rows: QUICK ? 20_000 : 60_000,
    seed: 11,
    clickRate: 0.15,
    cartRate: 0.05,
    orderRate: 0.02,
    newItemShare: 0.3,
  });
  return {
    name: 'synthetic funnel',
    users: Array.from(d.user, String),
    items: Array.from(d.item, String),
    time: Float64Array.from(d.ts),
    labels: { click: d.click, cart: d.cart, order: d.order },
    dense: Float32Array.from(d.price, (p) => Math.log1p(p)),
  };
}

/** Rows ordered by time, cut at 70% and 85%. */
function timeSplit(d: Dataset): Splits & { order: number[] } {
  const order = Array.from(d.time.keys()).sort((a, b) => d.time[a]! - d.time[b]! || a - b);
  const n = order.length,
    a = Math.floor(0.7 * n),
    b = Math.floor(0.85 * n);
  return { order, train: order.slice(0, a), valid: order.slice(a, b), test: order.slice(b) };
}

/** The log as a CSV in time order; `rank` (the row's position in time) carries the split exactly. */
function writeLog(d: Dataset, order: number[], path: string): void {
  const tasks = Object.keys(d.labels);
  const lines = [['user_id', 'item_id', 'rank', 'dense', ...tasks].join(',')];
  order.forEach((r, k) =>
    lines.push([d.users[r], d.items[r], k, d.dense[r], ...tasks.map((t) => d.labels[t]![r])].join(',')),
  );
  writeFileSync(path, lines.join('\n') + '\n');
}

type VectorKind = 'item2vec' | 'graphsage' | 'graphsage+dense';
interface Variant {
  name: string;
  vectors?: VectorKind;
  pretrained?: Record<string, unknown>;
  /** The item feature's idDropout. */
  idDropout?: number;
  /** GraphSAGE settings of the vector file (default SAGE_DEFAULT). */
  sage?: SageSetting;
  /** The item feature's embeddingDim (default DIM); a vector file must have this dimension. */
  itemDim?: number;
}

/** The experiment config of one variant (written to a file and run by runTraining, like `mtrank train`). */
function configFor(
  d: Dataset,
  split: Splits,
  log: string,
  cacheDir: string,
  vectorFile: string | undefined,
  v: Variant,
  seed: number,
) {
  const stepsPerEpoch = Math.ceil(split.train.length / BATCH);
  return {
    seed,
    data: {
      source: log,
      split: {
        method: 'time',
        column: 'rank',
        validFrom: split.train.length,
        testFrom: split.train.length + split.valid.length,
      },
      cacheDir,
    },
    features: {
      user_id: { type: 'categorical', embeddingDim: DIM },
      item_id: {
        type: 'categorical',
        embeddingDim: v.itemDim ?? DIM,
        role: 'item',
        ...(v.idDropout ? { idDropout: v.idDropout } : {}),
        ...(vectorFile ? { pretrained: { path: vectorFile, extendVocab: true, ...v.pretrained } } : {}),
      },
      dense: { type: 'numeric' },
    },
    tasks: Object.fromEntries(Object.keys(d.labels).map((t) => [t, { label: t }])),
    model: { type: 'shared-bottom', bottom: [64, 32], tower: [16] },
    // One evaluation per epoch; the test metrics are those of the epoch with the best mean valid AUC.
    training: {
      epochs: EPOCHS,
      batchSize: BATCH,
      optimizer: { type: 'adam', lr: 0.002 },
      embeddingOptimizer: { type: 'adam', lr: 0.01 },
      evalEvery: stepsPerEpoch,
      checkpointEvery: stepsPerEpoch * EPOCHS,
      earlyStopping: { monitor: 'mean-auc', patience: EPOCHS + 1 },
      threads: 1,
    },
  };
}

interface VariantResult {
  all: Record<string, number>;
  seen: Record<string, number>;
  unseen: Record<string, number>;
  /** Unseen in training but present in the pretraining log: the rows where a pretrained vector can help. */
  unseenPretrained: Record<string, number>;
  /** Unseen and absent from the pretraining log too: truly new items, read through the OOV row. */
  unseenNew: Record<string, number>;
  unseenRows: number;
  testRows: number;
  /** Root-mean-square coordinate of the item table's training-vocabulary rows after training (and of the side table). */
  rms: { learned: number; pretrained?: number };
}

/** RMS coordinate of rows 1..rows-1 of `emb.item_id` and of its concat side table, as the model ends. */
function itemTableRms(store: ParamStore, trainedRows: number): VariantResult['rms'] {
  const rms = (name: string) => {
    const t = store.tables().find((x) => x.name === name);
    if (!t) return undefined;
    const rows = Math.min(t.vocab, trainedRows);
    let ss = 0;
    for (let i = t.dim; i < rows * t.dim; i++) ss += t.data[i]! ** 2;
    return Math.sqrt(ss / Math.max(1, (rows - 1) * t.dim));
  };
  return { learned: rms('emb.item_id')!, pretrained: rms('emb.item_id.pretrained') };
}

/**
 * `mtrank train` on the variant's config; the test breakdown by the same masks for every variant (the
 * "unseen, pretrained" mask comes from an extended encoding, so end-to-end gets that slice too). For
 * pretrained variants it must equal the trainer's metrics.json coldStart.
 */
async function runVariant(
  configPath: string,
  out: string,
  pretrainedOnly: Uint8Array,
  trainedRows: number,
): Promise<{ result: VariantResult; data: PreparedData }> {
  const run = await runTraining({ config: configPath, out, quiet: 'silent' });
  const data = await prepareData(loadConfig(configPath));
  const tasks = run.result.model.tasks,
    probs = predictSplit(run.result.model, data.test);
  const scores = Object.fromEntries(tasks.map((t, k) => [t, probs[k]!]));
  const itemSeen = itemSeenFlags(data.train.item!, data.test.item!);
  const cs = coldStartBreakdown({ scores, labels: data.test.labels, itemSeen, pretrainedOnly });
  const own = (run.metrics as { coldStart?: ColdStartBreakdown }).coldStart;
  for (const t of tasks) {
    if (!own?.[t]) throw new Error(`bench: ${out}/metrics.json has no coldStart for ${t}`);
    const slices = own[t]!.unseenPretrained
      ? (['seen', 'unseen', 'unseenPretrained', 'unseenNew'] as const)
      : (['seen', 'unseen'] as const);
    for (const k of slices)
      if (own[t]![k]!.auc !== cs[t]![k]!.auc)
        throw new Error(
          `bench: ${out}: ${t} ${k} AUC ${own[t]![k]!.auc} in metrics.json, ${cs[t]![k]!.auc} recomputed`,
        );
  }
  const pick = (f: (t: string) => number | null | undefined) => Object.fromEntries(tasks.map((t) => [t, f(t) ?? NaN]));
  return {
    data,
    result: {
      all: pick((t) => (hasBothClasses(data.test.labels[t]!) ? auc(scores[t]!, data.test.labels[t]!) : null)),
      seen: pick((t) => cs[t]!.seen.auc),
      unseen: pick((t) => cs[t]!.unseen.auc),
      unseenPretrained: pick((t) => cs[t]!.unseenPretrained!.auc),
      unseenNew: pick((t) => cs[t]!.unseenNew!.auc),
      unseenRows: cs[tasks[0]!]!.unseen.rows,
      testRows: data.test.rows,
      rms: itemTableRms(run.result.model.store, trainedRows),
    },
  };
}

/** The pretraining log (train + valid rows) and its vector files, each trained on first use and cached. */
class Pretrainer {
  private readonly log: { users: string[]; items: string[]; time: Float64Array };
  private readonly files = new Map<string, string>();
  readonly vectors = new Map<string, WordVectors>();
  readonly pairsPerSecond: Record<string, number> = {};
  /** Mean GraphSAGE seconds per epoch, per vector file. */
  readonly sageEpochSeconds = new Map<string, number>();

  constructor(
    private readonly d: Dataset,
    private readonly rows: number[],
    private readonly work: string,
  ) {
    this.log = {
      users: rows.map((r) => d.users[r]!),
      items: rows.map((r) => d.items[r]!),
      time: Float64Array.from(rows, (r) => d.time[r]!),
    };
  }

  /** The vector file of a variant (none for end-to-end). */
  async file(v: Variant): Promise<string | undefined> {
    if (!v.vectors) return undefined;
    const sage = v.sage ?? SAGE_DEFAULT;
    const key = v.vectors === 'item2vec' ? 'item2vec' : `${v.vectors} ${sageLabel(sage)}`;
    let path = this.files.get(key);
    if (!path) {
      const vectors = v.vectors === 'item2vec' ? await this.item2vec() : this.graphsage(key, sage, v.vectors);
      path = join(this.work, `${key.replace(/\W+/g, '-')}.vec`);
      writeVectors(path, vectors);
      this.vectors.set(key, vectors);
      this.files.set(key, path);
    }
    return path;
  }

  private async item2vec(): Promise<WordVectors> {
    const seqs = buildSequences(this.log);
    let vectors: WordVectors | null = null;
    for (const threads of [1, 2]) {
      const cpu0 = process.cpuUsage();
      const r = await trainItem2vec(seqs, {
        dim: DIM,
        window: 5,
        epochs: QUICK ? 2 : 5,
        negative: 5,
        threads,
        seed: 1,
      });
      const cpu = process.cpuUsage(cpu0);
      this.pairsPerSecond[`threads${threads}`] = r.pairsPerSecond;
      // Process CPU time covers the worker threads too: pairs per CPU-second is the per-core speed, whatever else runs.
      this.pairsPerSecond[`threads${threads}PerCpuSecond`] = r.pairs / ((cpu.user + cpu.system) / 1e6);
      if (threads === 1) vectors = r.vectors; // the repeatable one feeds the comparison
    }
    return vectors!;
  }

  private graphsage(key: string, sage: SageSetting, kind: VectorKind): WordVectors {
    const graph = buildBipartiteGraph(this.log);
    let features: Float32Array | undefined;
    if (kind === 'graphsage+dense') {
      // The item's mean dense column (KuaiRand: log duration; funnel: log price) as a GraphSAGE node feature.
      const sum = new Float64Array(graph.nodeCount),
        count = new Float64Array(graph.nodeCount);
      for (const r of this.rows) {
        const v = nodeOf(graph, 'item', this.d.items[r]!)!;
        sum[v] += this.d.dense[r]!;
        count[v]++;
      }
      features = Float32Array.from(sum, (x, v) => (count[v] ? x / count[v]! : NaN));
    }
    const g = trainGraphSage(graph, {
      dim: sage.dim,
      layers: sage.fanout.length,
      fanout: sage.fanout,
      epochs: sage.epochs,
      negative: 5,
      batchSize: 512,
      seed: 1,
      ...(features ? { features, featureDim: 1 } : {}),
    });
    this.sageEpochSeconds.set(key, g.epochSeconds.reduce((a, b) => a + b, 0) / g.epochSeconds.length);
    const U = graph.users.length;
    return { tokens: graph.items, dim: sage.dim, data: embedAll(g.model).slice(U * sage.dim) };
  }
}

const fmt = (xs: number[]) => {
  const ok = xs.filter(Number.isFinite);
  if (!ok.length) return '   n/a        ';
  const m = ok.reduce((a, b) => a + b, 0) / ok.length;
  const sd = Math.sqrt(ok.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, ok.length - 1));
  return `${m.toFixed(4)} ± ${sd.toFixed(4)}`;
};

/** Concat with scale-matched vectors, and ID dropout on the item: the recommended setting (docs/pretrain.md). */
const RECOMMENDED = { mode: 'concat', rescale: 0.1 };
const ALL_VARIANTS: Variant[] = [
  { name: 'end-to-end' },
  { name: 'item2vec finetune', vectors: 'item2vec', pretrained: { mode: 'finetune' } },
  { name: 'GraphSAGE finetune', vectors: 'graphsage', pretrained: { mode: 'finetune' } },
  { name: 'GraphSAGE finetune rescale', vectors: 'graphsage', pretrained: { mode: 'finetune', rescale: 0.1 } },
  { name: 'GraphSAGE freeze', vectors: 'graphsage', pretrained: { mode: 'freeze' } },
  { name: 'end-to-end, ID dropout', idDropout: 0.2 },
  { name: 'GraphSAGE concat, file scale', vectors: 'graphsage', pretrained: { mode: 'concat' } },
  { name: 'GraphSAGE concat rescale', vectors: 'graphsage', pretrained: RECOMMENDED },
  { name: 'GraphSAGE concat rescale, ID dropout', vectors: 'graphsage', pretrained: RECOMMENDED, idDropout: 0.2 },
  {
    name: 'GraphSAGE+dense concat rescale, ID dropout',
    vectors: 'graphsage+dense',
    pretrained: RECOMMENDED,
    idDropout: 0.2,
  },
  { name: 'item2vec concat rescale, ID dropout', vectors: 'item2vec', pretrained: RECOMMENDED, idDropout: 0.2 },
];
/** The GraphSAGE sweep: the recommended mode per setting, one setting varied at a time from SAGE_DEFAULT. */
function sweepVariants(): Variant[] {
  const settings = [
    ...(SAGE_DIMS ?? []).map((dim) => ({ ...SAGE_DEFAULT, dim })),
    ...(SAGE_EPOCHS ?? []).map((epochs) => ({ ...SAGE_DEFAULT, epochs })),
    ...(SAGE_FANOUTS ?? []).map((fanout) => ({ ...SAGE_DEFAULT, fanout })),
  ].filter((s, k, all) => all.findIndex((t) => sageLabel(t) === sageLabel(s)) === k);
  const yardstick = ALL_VARIANTS.find((v) => v.name === 'end-to-end, ID dropout')!;
  return [
    yardstick,
    ...(SAGE_DIMS ?? [])
      .filter((dim) => dim !== DIM)
      .map((itemDim) => ({ ...yardstick, name: `${yardstick.name}, item dim ${itemDim}`, itemDim })),
    ...settings.map((sage) => ({
      name: `GraphSAGE ${sageLabel(sage)}, concat rescale, ID dropout`,
      vectors: 'graphsage' as const,
      pretrained: RECOMMENDED,
      idDropout: 0.2,
      sage,
      itemDim: sage.dim,
    })),
  ];
}
const VARIANTS =
  SAGE_DIMS || SAGE_EPOCHS || SAGE_FANOUTS
    ? sweepVariants()
    : ALL_VARIANTS.filter(
        (v, k) => k === 0 || !ONLY_VARIANTS || ONLY_VARIANTS.some((x) => v.name.toLowerCase().includes(x)),
      );

async function runDataset(d: Dataset, work: string) {
  const split = timeSplit(d);
  mkdirSync(work, { recursive: true });
  const log = join(work, 'log.csv'),
    cacheDir = join(work, 'cache');
  writeLog(d, split.order, log);
  const pre = new Pretrainer(d, [...split.train, ...split.valid], work);
  const configPath = async (v: Variant, seed: number) => {
    const path = join(work, `${v.name.replace(/\W+/g, '-')}-${seed}.json`);
    writeFileSync(path, JSON.stringify(configFor(d, split, log, cacheDir, await pre.file(v), v, seed)));
    return path;
  };
  // Test rows whose item is unseen in training but has a row appended from the vector file (every item of the
  // pretraining log has a GraphSAGE vector).
  const masking = ALL_VARIANTS.find((v) => v.name === 'GraphSAGE finetune')!;
  const extended = await prepareData(loadConfig(await configPath(masking, 0)));
  const trainedVocab = (extended.preprocessor.feature('item_id') as FittedCategorical).pretrained!.trainedVocab;
  const pretrainedOnly = Uint8Array.from(extended.test.item!, (id) => (id > trainedVocab ? 1 : 0));
  const itemSeen = itemSeenFlags(extended.train.item!, extended.test.item!);

  const out: Record<string, { seeds: VariantResult[]; coverage?: PretrainedCoverage; unseenWithVector?: number }> = {};
  for (const v of VARIANTS) out[v.name] = { seeds: [] };
  // Seeds outermost, and one stderr line per run: a run cut short still has every variant at the seeds it finished.
  for (let s = 0; s < SEEDS; s++) {
    for (const v of VARIANTS) {
      const { result, data } = await runVariant(
        await configPath(v, 100 + s),
        join(work, 'runs', `${v.name.replace(/\W+/g, '-')}-${s}`),
        pretrainedOnly,
        trainedVocab + 1,
      );
      const o = out[v.name]!;
      o.seeds.push(result);
      o.coverage = (data.preprocessor.feature('item_id') as FittedCategorical).pretrained?.coverage;
      if (o.coverage) o.unseenWithVector = pretrainedOnly.reduce((n, x, i) => n + (x && !itemSeen[i] ? 1 : 0), 0);
      console.error(
        JSON.stringify({
          dataset: d.name,
          variant: v.name,
          seed: s,
          all: result.all,
          unseenPretrained: result.unseenPretrained,
        }),
      );
    }
  }
  return { split, itemSeen, unseenPretrained: pretrainedOnly, pre, out };
}

async function main() {
  applyThreads(1);
  const datasets = [
    ONLY_DATASET === 'funnel' ? null : await kuairand(),
    ONLY_DATASET === 'kuairand' ? null : funnel(),
  ].filter((d): d is Dataset => d !== null);
  const json: Record<string, unknown> = {};
  const work = mkdtempSync(join(tmpdir(), 'mtrank-bench-coldstart-'));
  for (const [k, d] of datasets.entries()) {
    const r = await runDataset(d, join(work, String(k)));
    const tasks = Object.keys(d.labels);
    const unseen = r.itemSeen.length - r.itemSeen.reduce((a, b) => a + b, 0);
    console.log(
      `\n## ${d.name}: ${d.users.length} rows; train/valid/test ${r.split.train.length}/${r.split.valid.length}/${r.split.test.length}; ` +
        `test rows with an item unseen in training: ${unseen} (${((100 * unseen) / r.split.test.length).toFixed(1)}%); ${SEEDS} seeds, ${EPOCHS} epochs`,
    );
    const pps = r.pre.pairsPerSecond;
    if (pps.threads1)
      console.log(
        `item2vec: ${Math.round(pps.threads1)} pairs/s on 1 thread, ${Math.round(pps.threads2!)} on 2 ` +
          `(×${(pps.threads2! / pps.threads1).toFixed(2)}); per CPU-second ` +
          `${Math.round(pps.threads1PerCpuSecond!)} and ${Math.round(pps.threads2PerCpuSecond!)}`,
      );
    for (const [key, seconds] of r.pre.sageEpochSeconds) console.log(`${key}: ${seconds.toFixed(2)} s/epoch`);
    const slices = ['all', 'seen', 'unseen', 'unseenPretrained', 'unseenNew'] as const;
    const nPre = r.unseenPretrained.reduce((a, b) => a + b, 0);
    console.log(
      `test AUC, mean ± sd over seeds; "unseen, pretrained" = the ${nPre} unseen rows whose item occurs in the pretraining log; "unseen, new" = the ${unseen - nPre} that do not`,
    );
    for (const t of tasks) {
      console.log(`\n| ${t} | all | seen | unseen | unseen, pretrained | unseen, new |\n|---|---|---|---|---|---|`);
      for (const [name, v] of Object.entries(r.out))
        console.log(`| ${name} | ${slices.map((k) => fmt(v.seeds.map((s) => s[k][t]!))).join(' | ')} |`);
    }
    const fileRms = (w: WordVectors) => Math.sqrt(w.data.reduce((a, x) => a + x * x, 0) / Math.max(1, w.data.length));
    console.log(
      `\nRMS coordinate of the item vectors: files ${[...r.pre.vectors]
        .map(([k, w]) => `${k} ${fileRms(w).toFixed(3)}`)
        .join(', ')}; item table after training (training-vocabulary rows, mean over seeds):`,
    );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const [name, v] of Object.entries(r.out)) {
      const side = v.seeds[0]!.rms.pretrained;
      console.log(
        `  ${name}: ${mean(v.seeds.map((x) => x.rms.learned)).toFixed(3)}${side === undefined ? '' : ` learned | ${side.toFixed(3)} pretrained`}`,
      );
    }
    for (const [name, v] of Object.entries(r.out)) {
      if (v.coverage && name.includes('finetune'))
        console.log(
          `${name}: ${v.coverage.covered}/${v.coverage.vocabulary} training items covered, ${v.coverage.extended} appended; ${v.unseenWithVector} of ${unseen} unseen test rows get a pretrained vector`,
        );
    }
    json[d.name] = {
      rows: d.users.length,
      testRows: r.split.test.length,
      unseenTestRows: unseen,
      pairsPerSecond: r.pre.pairsPerSecond,
      graphsageEpochSeconds: Object.fromEntries(r.pre.sageEpochSeconds),
      variants: r.out,
    };
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`\npeak RSS ${peakRssMb.toFixed(0)} MB`);
  if (flag('json'))
    console.log(JSON.stringify({ bench: 'coldstart', seeds: SEEDS, epochs: EPOCHS, peakRssMb, datasets: json }));
  shutdownThreads();
  rmSync(work, { recursive: true, force: true });
}

await main();
