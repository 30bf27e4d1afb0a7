// `npm run bench:train [-- --json] [--quick] [--workload adult|standard]`: our trainer and a PyTorch reference (bench/torch_reference.py,
// Debian python3-torch) on the same encoded rows, model and training budget, side by side:
//  - UCI Adult (income + never-married; many small fields, so framework overhead dominates);
//  - the engine's standard workload (26 ID fields × vocab 100k × dim 16 + 13 dense → 256 → 128, 3 towers 64).
// Each side trains in its own process (so each peak RSS is its own); PyTorch gets sparse embeddings +
// SparseAdam, OPENBLAS_NUM_THREADS=1 and 2 torch threads; we use 2 kernel threads. Prints test AUC per task,
// training examples/s of both and the ratio, and peak RSS of both.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseConfig, type ExperimentConfig } from '../config/index.js';
import { prepareData } from '../data/index.js';
import type { EncodedSplit } from '../data/types.js';
import { train, labelWeightsFor } from '../training/trainer.js';
import { evaluateSplit } from '../training/evaluation.js';
import { shutdownThreads } from '../engine/kernels.js';
import { Rng } from '../util/rng.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ADULT_DIR = join(ROOT, '..', 'shared', 'datasets', 'uci-adult');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'; // Debian's, where python3-torch lives

const ADULT_COLUMNS = [
  'age',
  'workclass',
  'fnlwgt',
  'education',
  'education_num',
  'marital_status',
  'occupation',
  'relationship',
  'race',
  'sex',
  'capital_gain',
  'capital_loss',
  'hours_per_week',
  'native_country',
  'income',
];

/** The Adult setup (used when examples/adult.yaml is absent): train on adult.data, test on adult.test. */
export function adultConfig(): ExperimentConfig {
  const example = join(ROOT, 'examples', 'adult.yaml');
  const overrides = ['training.earlyStopping=false', 'training.threads=2'];
  if (existsSync(example)) return loadConfig(example, overrides);
  const cat = (dim = 8) => ({ type: 'categorical' as const, embeddingDim: dim });
  const num = (transform = 'standardize') => ({ type: 'numeric' as const, transform });
  return parseConfig(
    {
      name: 'adult',
      seed: 42,
      data: {
        train: join(ADULT_DIR, 'adult.data'),
        test: { path: join(ADULT_DIR, 'adult.test'), skipLines: 1 },
        header: false,
        columns: ADULT_COLUMNS,
        delimiter: ', ',
        nullValues: ['?'],
      },
      features: {
        age: num(),
        workclass: cat(),
        fnlwgt: num('log-standardize'),
        education: cat(),
        education_num: num(),
        occupation: cat(),
        relationship: cat(),
        race: cat(4),
        sex: cat(4),
        capital_gain: num('log-standardize'),
        capital_loss: num('log-standardize'),
        hours_per_week: num(),
        native_country: cat(),
      },
      tasks: {
        income: { label: { column: 'income', positive: ['>50K', '>50K.'] } },
        never_married: { label: { column: 'marital_status', positive: ['Never-married'] } },
      },
      model: { type: 'shared-bottom', bottom: [64, 32], tower: [16] },
      training: {
        epochs: 5,
        batchSize: 256,
        evalEvery: 100000,
        optimizer: { type: 'adam', lr: 0.001 },
        embeddingOptimizer: { type: 'adam', lr: 0.001 },
      },
    },
    overrides,
    { baseDir: ROOT },
  );
}

/** The engine benchmark's standard workload as a training config over synthetic encoded splits. */
export function standardConfig(): ExperimentConfig {
  const features: Record<string, unknown> = {};
  for (let i = 0; i < 26; i++) features[`f${i}`] = { type: 'categorical', embeddingDim: 16 };
  for (let i = 0; i < 13; i++) features[`d${i}`] = { type: 'numeric' };
  return parseConfig(
    {
      name: 'standard',
      seed: 42,
      data: { train: 'synthetic' },
      features,
      tasks: { t0: { label: 't0' }, t1: { label: 't1' }, t2: { label: 't2' } },
      model: { type: 'shared-bottom', bottom: [256, 128], tower: [64] },
      training: { epochs: 1, batchSize: 512, evalEvery: 100000, earlyStopping: false, threads: 2 },
    },
    [],
    { baseDir: ROOT },
  );
}

/** 26 Zipf-like ID fields (vocab 100k) + 13 dense; labels from a hidden logistic model of a few fields. */
export function standardSplit(rows: number, seed: number): EncodedSplit {
  const rng = new Rng(seed),
    V = 100_000;
  const weights = Array.from({ length: 26 }, (_, f) => new Rng(99).fork(f).normal());
  const categorical = Array.from({ length: 26 }, (_, f) => {
    const ids = new Int32Array(rows);
    for (let r = 0; r < rows; r++) ids[r] = 1 + Math.min(V - 2, Math.floor(Math.pow(V, rng.float())) - 1);
    return { name: `f${f}`, ids, vocabSize: V, dim: 16 };
  });
  const dense = new Float32Array(rows * 13);
  for (let i = 0; i < dense.length; i++) dense[i] = rng.normal();
  const labels: Record<string, Uint8Array> = {};
  for (let t = 0; t < 3; t++) {
    const y = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = dense[r * 13 + t]! - 1.5 + t * -0.5;
      for (let f = 0; f < 4; f++) s += 0.5 * Math.sin(categorical[f + t]!.ids[r]! * weights[f]!);
      y[r] = rng.float() < 1 / (1 + Math.exp(-s)) ? 1 : 0;
    }
    labels[`t${t}`] = y;
  }
  return { rows, categorical, multi: [], dense, denseNames: Array.from({ length: 13 }, (_, i) => `d${i}`), labels };
}

// ---------------------------------------------------------------- export for the PyTorch reference

function exportSplit(dir: string, name: string, s: EncodedSplit, tasks: string[]) {
  const write = (file: string, a: ArrayBufferView) => {
    writeFileSync(join(dir, file), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    return file;
  };
  return {
    rows: s.rows,
    categorical: s.categorical.map((c) => ({
      name: c.name,
      vocabSize: c.vocabSize,
      dim: c.dim,
      file: write(`${name}.${c.name}.i32`, c.ids),
    })),
    multi: s.multi.map((m) => ({
      name: m.name,
      vocabSize: m.vocabSize,
      dim: m.dim,
      pooling: m.pooling,
      offsets: write(`${name}.${m.name}.off.i32`, m.offsets),
      ids: write(`${name}.${m.name}.ids.i32`, m.ids),
    })),
    denseNames: s.denseNames,
    dense: write(`${name}.dense.f32`, s.dense),
    labels: Object.fromEntries(tasks.map((t) => [t, write(`${name}.${t}.u8`, s.labels[t]!)])),
  };
}

export function exportForTorch(dir: string, config: ExperimentConfig, train: EncodedSplit, test: EncodedSplit): void {
  if (!['shared-bottom', 'mmoe'].includes(config.model.type))
    throw new Error(`the PyTorch reference implements shared-bottom and mmoe, not ${config.model.type}`);
  mkdirSync(dir, { recursive: true });
  const tasks = Object.keys(config.tasks);
  const meta = {
    tasks,
    splits: { train: exportSplit(dir, 'train', train, tasks), test: exportSplit(dir, 'test', test, tasks) },
    model: {
      type: config.model.type,
      bottom: config.model.bottom,
      tower: config.model.tower,
      activation: config.model.activation,
      dropout: config.model.dropout,
      experts: config.model.experts,
      expertHidden: config.model.expertHidden,
    },
    training: {
      epochs: config.training.epochs,
      batchSize: config.training.batchSize,
      lr: config.training.optimizer.lr,
      embeddingLr: config.training.embeddingOptimizer.lr,
    },
    labelWeights: labelWeightsFor(config, train),
    lossWeights: Object.fromEntries(tasks.map((t) => [t, config.tasks[t]!.lossWeight])),
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
}

// ---------------------------------------------------------------- one side per process

interface SideResult {
  testAuc: Record<string, number>;
  examplesPerSec: number;
  peakRssMb: number;
}

async function loadWorkload(
  name: string,
  quick: boolean,
): Promise<{ config: ExperimentConfig; train: EncodedSplit; test: EncodedSplit }> {
  if (name === 'adult') {
    const config = adultConfig();
    if (quick) config.training.epochs = 1;
    const d = await prepareData(config, { cacheDir: join(tmpdir(), 'mtrank-bench-cache') });
    return { config, train: d.train, test: d.test };
  }
  const config = standardConfig();
  return { config, train: standardSplit(quick ? 20_480 : 102_400, 1), test: standardSplit(20_000, 2) };
}

/** Child mode: train ours on one workload and print one JSON line. */
async function oursChild(name: string, quick: boolean): Promise<void> {
  const { config, train: tr, test } = await loadWorkload(name, quick);
  const empty = { ...test, rows: 0 };
  const dir = mkdtempSync(join(tmpdir(), 'mtrank-bench-run-'));
  const r = await train({ config, data: { train: tr, valid: empty }, dir });
  const { metrics } = evaluateSplit(r.model, test, undefined, 'test');
  const out: SideResult = {
    testAuc: Object.fromEntries(Object.entries(metrics).map(([t, m]) => [t, m.auc])),
    examplesPerSec: r.trainExamplesPerSec,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  rmSync(dir, { recursive: true, force: true });
  await shutdownThreads();
  process.stdout.write(JSON.stringify(out) + '\n');
}

function lastJson(stdout: string, who: string): SideResult {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as SideResult;
  } catch {
    throw new Error(`${who}: no JSON result (output: ${stdout.slice(-500)})`);
  }
}

async function compare(name: string, quick: boolean) {
  const self = fileURLToPath(import.meta.url);
  // OMP_WAIT_POLICY=PASSIVE: on a shared machine OpenMP's spinning workers otherwise slow PyTorch's 2 threads
  // down tenfold (measured 343 vs 3.5 ms per Adult-sized step under load).
  const env = {
    ...process.env,
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '2',
    MKL_NUM_THREADS: '2',
    OMP_WAIT_POLICY: 'PASSIVE',
  };
  const ours = spawnSync(process.execPath, [self, '--child', name, ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 26,
  });
  if (ours.status !== 0) throw new Error(`ours (${name}) failed: ${ours.stderr}`);
  const { config, train: tr, test } = await loadWorkload(name, quick);
  const dir = mkdtempSync(join(tmpdir(), 'mtrank-bench-torch-'));
  exportForTorch(dir, config, tr, test);
  const torch = spawnSync(PYTHON, [join(ROOT, 'bench', 'torch_reference.py'), dir, '--threads', '2', '--json'], {
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 26,
  });
  rmSync(dir, { recursive: true, force: true });
  if (torch.status !== 0)
    throw new Error(`PyTorch reference failed (is python3-torch installed?): ${torch.stderr.slice(-2000)}`);
  const a = lastJson(ours.stdout, 'ours'),
    b = lastJson(torch.stdout, 'torch');
  return {
    workload: name,
    rows: tr.rows,
    epochs: config.training.epochs,
    ours: a,
    torch: b,
    speedup: a.examplesPerSec / b.examplesPerSec,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  if (args[0] === '--child') return oursChild(args[1]!, quick);
  const results = [];
  const only = args.indexOf('--workload');
  for (const w of only >= 0 ? [args[only + 1]!] : ['adult', 'standard']) {
    const r = await compare(w, quick);
    results.push(r);
    if (!args.includes('--json')) {
      console.log(`${w}: ${r.rows} rows × ${r.epochs} epoch(s)`);
      for (const t of Object.keys(r.ours.testAuc))
        console.log(
          `  test AUC ${t.padEnd(14)} ours ${r.ours.testAuc[t]!.toFixed(4)}  torch ${r.torch.testAuc[t]!.toFixed(4)}  Δ ${(r.ours.testAuc[t]! - r.torch.testAuc[t]!).toFixed(4)}`,
        );
      console.log(
        `  train examples/s     ours ${r.ours.examplesPerSec.toFixed(0)}  torch ${r.torch.examplesPerSec.toFixed(0)}  ratio ${r.speedup.toFixed(2)}×`,
      );
      console.log(`  peak RSS (MB)        ours ${r.ours.peakRssMb.toFixed(0)}  torch ${r.torch.peakRssMb.toFixed(0)}`);
    }
  }
  if (args.includes('--json')) console.log(JSON.stringify({ bench: 'train', results }));
}

await main();
