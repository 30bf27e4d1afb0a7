// `npm run bench -- models [--json] [--seeds N] [--funnel-rows N] [--datasets a,b] [--variants] [--only a,b]
// [--set key=value]...`: test AUC per task, mean ± sd over seeds.
// Default: every model type (single-task, shared-bottom, MMoE, PLE, ESMM) on KuaiRand (examples/kuairand.yaml)
// and the synthetic funnel (the config `mtrank synth` writes); experts get the bottom's widths so the models
// are comparable in size. `--variants`: the interaction layers and task-embedding modes against the plain
// Shared-Bottom, each difference marked "within noise" when it is not larger than the seed-to-seed sd.
// Datasets: kuairand, funnel (the demo's shape: default 600 users and 800 items, 5 days), funnel-10x (the same
// rows over a tenth of the users and items: 10× impressions per user and per item), adult (UCI Adult). The funnel
// tables end with the oracle's test AUC (the generator's true probabilities), the ceiling on those rows; the
// attainable ceiling (the oracle without the latents of users and items absent from the training days:
// funnel.oracle.json's aucAttainable); the oracle without the user × item affinity term (the gap between them is
// what only the ID interaction can reach); and the share of that gap the first row captures. Funnel datasets get
// two more tables: the test rows whose item is in the training vocabulary (warm) and those whose item is not
// (cold start), models and oracle on the same rows.
// Produces the model tables of docs/training.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type ExperimentConfig } from '../config/index.js';
import { MODEL_TYPES } from '../config/schema.js';
import { prepareData, writeFunnel, type PreparedData } from '../data/index.js';
import type { FunnelOracle, OracleSlice } from '../data/synth-oracle.js';
import { FUNNEL_DEFAULTS } from '../data/synth-defaults.js';
import { train } from '../training/trainer.js';
import { evaluateSplit } from '../training/evaluation.js';
import { shutdownThreads } from '../engine/kernels.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The model types as the config declares them, the single-task baseline first (the table's first row).
const MODELS = ['single-task' as const, ...MODEL_TYPES.filter((t) => t !== 'single-task')];

/** Interaction layers and task-embedding modes on Shared-Bottom (whatever the example's type); the first is the yardstick. */
const SB = 'model.type=shared-bottom';
const VARIANTS: Record<string, string[]> = {
  'shared-bottom': [SB],
  '+ fm': [SB, 'model.interaction=fm'],
  '+ dot (user·item)': [SB, 'model.interaction=dot'],
  '+ dcn-v2': [SB, 'model.interaction=dcn-v2'],
  '+ shared+per-task emb.': [SB, 'model.taskEmbeddings=shared+per-task'],
  '+ per-task emb.': [SB, 'model.taskEmbeddings=per-task'],
  'mmoe + shared+per-task emb.': ['model.type=mmoe', 'model.taskEmbeddings=shared+per-task'],
};

interface Dataset {
  name: string;
  configPath: string;
  overrides: string[];
  /** The generator's oracle (synthetic funnels only). */
  oracle?: FunnelOracle;
}

/** Test rows the tables are computed on: all, and for funnels the warm and cold-start items. */
type Slice = 'all' | 'warm' | 'cold';
const SLICE_TITLE: Record<Slice, string> = {
  all: 'test AUC',
  warm: 'test rows whose item is in the training vocabulary (warm)',
  cold: 'test rows whose item is not in the training vocabulary (cold start)',
};

/** The demo's funnel shape (5 days, so the test day holds a fifth of the rows). */
const FUNNEL_DAYS = 5;

async function funnel(name: string, tmp: string, o: { rows: number; users: number; items: number }): Promise<Dataset> {
  const f = await writeFunnel(join(tmp, name), { ...o, seed: 42, days: FUNNEL_DAYS });
  return { name, configPath: f.config, overrides: [], oracle: f.oracle };
}

async function dataset(name: string, funnelRows: number, tmp: string): Promise<Dataset> {
  switch (name) {
    case 'kuairand':
      return { name, configPath: join(ROOT, 'examples', 'kuairand.yaml'), overrides: [] };
    case 'adult':
      return { name, configPath: join(ROOT, 'examples', 'adult.yaml'), overrides: [] };
    case 'funnel':
      return funnel(name, tmp, { rows: funnelRows, users: FUNNEL_DEFAULTS.users, items: FUNNEL_DEFAULTS.items });
    case 'funnel-10x':
      return funnel(name, tmp, {
        rows: funnelRows,
        users: Math.round(FUNNEL_DEFAULTS.users / 10),
        items: Math.round(FUNNEL_DEFAULTS.items / 10),
      });
    default:
      throw new Error(`bench models: unknown dataset '${name}' (kuairand, funnel, funnel-10x, adult)`);
  }
}

function configFor(d: Dataset, set: readonly string[], seed: number, tmp: string): ExperimentConfig {
  const base = loadConfig(d.configPath, d.overrides);
  return loadConfig(d.configPath, [
    ...d.overrides,
    `model.expertHidden=${JSON.stringify(base.model.bottom)}`,
    ...set,
    `seed=${seed}`,
    'training.threads=2',
    `data.cacheDir=${join(tmp, 'cache')}`,
  ]);
}

type TaskStats = Record<string, { mean: number; sd: number; runs: number[] }>;

interface Result {
  dataset: string;
  model: string;
  /** The oracle on each slice's rows (funnels only). */
  oracle?: Partial<Record<Slice, OracleSlice>>;
  /** Per slice of the test rows (warm and cold for funnels only). */
  slices: Partial<Record<Slice, { rows: number; tasks: TaskStats }>>;
  seconds: number;
}

/** Test rows by whether their item is in the training vocabulary (the split's item ids, 0 = unseen). */
function itemSlices(data: PreparedData): Partial<Record<Slice, Int32Array>> {
  const item = data.test.item;
  if (!item) return {};
  const warm: number[] = [],
    cold: number[] = [];
  for (let r = 0; r < data.test.rows; r++) (item[r] ? warm : cold).push(r);
  return { warm: Int32Array.from(warm), cold: Int32Array.from(cold) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, def: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1]! : def;
  };
  const seeds = Number(opt('--seeds', '3')),
    funnelRows = Number(opt('--funnel-rows', '300000')),
    variants = args.includes('--variants');
  const sets = args.flatMap((a, i) => (args[i - 1] === '--set' ? [a] : []));
  const arms: [string, string[]][] = variants ? Object.entries(VARIANTS) : MODELS.map((t) => [t, [`model.type=${t}`]]);
  const only = opt('--only', '');
  const chosen = only ? arms.filter(([name]) => only.split(',').some((o) => name.includes(o))) : arms;
  const tmp = mkdtempSync(join(tmpdir(), 'mtrank-models-'));
  const results: Result[] = [];
  const load0 = loadavg()[0]!;
  try {
    for (const name of opt('--datasets', variants ? 'funnel-10x,kuairand,adult' : 'kuairand,funnel').split(',')) {
      const d = await dataset(name, funnelRows, tmp);
      let data: PreparedData | null = null;
      let slices: Partial<Record<Slice, Int32Array>> = {};
      for (const [arm, set] of chosen) {
        const aucs: Partial<Record<Slice, Record<string, number[]>>> = {};
        const t0 = performance.now();
        for (let s = 0; s < seeds; s++) {
          let config: ExperimentConfig;
          try {
            config = configFor(d, [...set, ...sets], 42 + s, tmp);
          } catch (e) {
            process.stderr.write(
              `${d.name} ${arm}: skipped (${(e as Error).message.split('\n').slice(-1)[0]!.trim()})\n`,
            );
            break;
          }
          if (!data) {
            data = await prepareData(config);
            if (d.oracle) slices = checkedSlices(d.name, data, d.oracle);
          }
          const r = await train({ config, data, dir: join(tmp, 'run') });
          const line: string[] = [];
          for (const [slice, rows] of [['all', undefined], ...Object.entries(slices)] as [Slice, Int32Array?][]) {
            const { metrics } = evaluateSplit(r.model, data.test, rows, 'test');
            for (const [t, m] of Object.entries(metrics)) ((aucs[slice] ??= {})[t] ??= []).push(m.auc);
            line.push(
              `${slice === 'all' ? '' : `${slice}: `}${Object.entries(metrics)
                .map(([t, m]) => `${t} ${m.auc.toFixed(4)}`)
                .join(' ')}`,
            );
          }
          process.stderr.write(`${d.name} ${arm} seed ${42 + s}: ${line.join(' | ')}\n`);
        }
        if (!aucs.all) continue;
        const stats = (a: Record<string, number[]>): TaskStats =>
          Object.fromEntries(Object.entries(a).map(([t, runs]) => [t, { ...meanSd(runs), runs }]));
        results.push({
          dataset: d.name,
          model: arm,
          oracle: d.oracle && { all: d.oracle.splits.test, ...d.oracle.testByItem },
          slices: Object.fromEntries(
            Object.entries(aucs).map(([slice, a]) => [
              slice,
              { rows: slice === 'all' ? data!.test.rows : slices[slice as Slice]!.length, tasks: stats(a) },
            ]),
          ),
          seconds: (performance.now() - t0) / 1000 / seeds,
        });
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await shutdownThreads();
  }
  const load = [load0, loadavg()[0]!];
  if (args.includes('--json')) {
    console.log(JSON.stringify({ bench: 'models', seeds, funnelRows, sets, load, results }));
    return;
  }
  console.log(`load average ${load.map((l) => l.toFixed(1)).join(' → ')}; extra settings: ${sets.join(' ') || 'none'}`);
  for (const dataset of new Set(results.map((r) => r.dataset)))
    for (const slice of ['all', 'warm', 'cold'] as const) printTable(dataset, slice, results, seeds, variants);
}

/**
 * The warm / cold test rows by the prepared data's item vocabulary; a note when the oracle's count (items with at
 * least its minCount training rows) differs, i.e. the two tables would not be on the same rows.
 */
function checkedSlices(name: string, data: PreparedData, oracle: FunnelOracle): Partial<Record<Slice, Int32Array>> {
  const s = itemSlices(data);
  if (s.warm && s.warm.length !== oracle.testByItem.warm.rows)
    process.stderr.write(
      `${name}: ${s.warm.length} warm test rows by the item vocabulary, ${oracle.testByItem.warm.rows} by the oracle (minCount ${oracle.minCount}): its warm / cold rows differ\n`,
    );
  return s;
}

function printTable(dataset: string, slice: Slice, results: Result[], seeds: number, variants: boolean): void {
  const rows = results.filter((r) => r.dataset === dataset && r.slices[slice]);
  if (rows.length === 0) return;
  const base = rows[0]!;
  const { rows: n, tasks: baseTasks } = base.slices[slice]!;
  const tasks = Object.keys(baseTasks);
  const o = base.oracle?.[slice];
  const what = `${SLICE_TITLE[slice]}${slice === 'all' ? '' : `, ${n} rows${o ? ` (${tasks.map((t) => o.positives[t as keyof typeof o.positives]).join(' / ')} positives)` : ''}`}`;
  console.log(`\n${dataset} — ${what}, mean ± sd over ${seeds} seeds${variants ? `; Δ against ${base.model}` : ''}\n`);
  console.log(`| model | ${tasks.join(' | ')} | s/run |`);
  console.log(`|---|${tasks.map(() => '---').join('|')}|---|`);
  for (const r of rows) {
    const cell = (t: string) => {
      const m = r.slices[slice]!.tasks[t]!,
        b = baseTasks[t]!;
      const text = `${m.mean.toFixed(4)} ± ${m.sd.toFixed(4)}`;
      if (!variants || r === base) return text;
      const delta = m.mean - b.mean;
      const noise = Math.max(m.sd, b.sd);
      return `${text} (${delta >= 0 ? '+' : ''}${delta.toFixed(4)}${Math.abs(delta) <= noise ? ', within noise' : ''})`;
    };
    console.log(`| ${r.model} | ${tasks.map(cell).join(' | ')} | ${r.seconds.toFixed(0)} |`);
  }
  if (!o) return;
  const row = (label: string, cell: (t: keyof OracleSlice['auc']) => string) =>
    console.log(`| ${label} | ${tasks.map((t) => cell(t as keyof OracleSlice['auc'])).join(' | ')} | |`);
  const f4 = (x: number | null | undefined) => (typeof x === 'number' ? x.toFixed(4) : '–');
  row('oracle', (t) => f4(o.auc[t]));
  row('attainable ceiling (w/o the latents of users and items unseen in training)', (t) => f4(o.aucAttainable[t]));
  row('oracle w/o user × item affinity', (t) => f4(o.aucNoAffinity[t]));
  // (model − no affinity) ÷ (ceiling − no affinity): how much of what the affinity adds the first row reaches.
  const share = (t: keyof OracleSlice['auc'], ceiling: number | null) => {
    const floor = o.aucNoAffinity[t] ?? NaN;
    const x = (baseTasks[t]!.mean - floor) / ((ceiling ?? NaN) - floor);
    return Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : '–';
  };
  row(`${base.model}: share of the affinity captured`, (t) => share(t, o.auc[t]));
  row(`${base.model}: share of the attainable affinity captured`, (t) => share(t, o.aucAttainable[t]));
}

function meanSd(a: number[]): { mean: number; sd: number } {
  const mean = a.reduce((x, y) => x + y, 0) / a.length;
  const sd = a.length > 1 ? Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / (a.length - 1)) : 0;
  return { mean, sd };
}

await main();
