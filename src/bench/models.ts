// `npm run bench -- models [--json] [--seeds N] [--funnel-rows N] [--datasets a,b] [--variants] [--only a,b]
// [--set key=value]...`: test AUC per task, mean ± sd over seeds.
// Default: every model type (single-task, shared-bottom, MMoE, PLE, ESMM) on KuaiRand (examples/kuairand.yaml)
// and the synthetic funnel (the config `mtrank synth` writes); experts get the bottom's widths so the models
// are comparable in size. `--variants`: the interaction layers and task-embedding modes against the plain
// Shared-Bottom, each difference marked "within noise" when it is not larger than the seed-to-seed sd.
// Datasets: kuairand, funnel (the demo's shape: default 600 users and 800 items, 5 days), funnel-10x (the same
// rows over a tenth of the users and items: 10× impressions per user and per item), adult (UCI Adult). The funnel
// tables end with the oracle's test AUC (the generator's true probabilities), the ceiling on those rows, and the
// oracle without the user × item affinity term (the gap between them is what only the ID interaction can reach).
// Produces the model tables of docs/training.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type ExperimentConfig } from '../config/index.js';
import { MODEL_TYPES } from '../config/schema.js';
import { prepareData, writeFunnel, type PreparedData } from '../data/index.js';
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
  /** Test AUC of the generator's true probabilities (synthetic funnels only). */
  oracle?: Record<string, number | null>;
  /** The same with the user × item affinity term removed: what a model without the ID interaction can reach. */
  oracleNoAffinity?: Record<string, number | null>;
}

/** The demo's funnel shape (5 days, so the test day holds a fifth of the rows). */
const FUNNEL_DAYS = 5;

async function funnel(name: string, tmp: string, o: { rows: number; users: number; items: number }): Promise<Dataset> {
  const f = await writeFunnel(join(tmp, name), { ...o, seed: 42, days: FUNNEL_DAYS });
  const { auc, aucNoAffinity } = f.oracle.splits.test;
  return { name, configPath: f.config, overrides: [], oracle: auc, oracleNoAffinity: aucNoAffinity };
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

interface Result {
  dataset: string;
  model: string;
  oracle?: Record<string, number | null>;
  oracleNoAffinity?: Record<string, number | null>;
  tasks: Record<string, { mean: number; sd: number; runs: number[] }>;
  seconds: number;
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
      for (const [arm, set] of chosen) {
        const aucs: Record<string, number[]> = {};
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
          data ??= await prepareData(config);
          const r = await train({ config, data, dir: join(tmp, 'run') });
          const { metrics } = evaluateSplit(r.model, data.test, undefined, 'test');
          for (const [t, m] of Object.entries(metrics)) (aucs[t] ??= []).push(m.auc);
          process.stderr.write(
            `${d.name} ${arm} seed ${42 + s}: ${Object.entries(metrics)
              .map(([t, m]) => `${t} ${m.auc.toFixed(4)}`)
              .join(' ')}\n`,
          );
        }
        if (Object.keys(aucs).length === 0) continue;
        results.push({
          dataset: d.name,
          model: arm,
          oracle: d.oracle,
          oracleNoAffinity: d.oracleNoAffinity,
          tasks: Object.fromEntries(Object.entries(aucs).map(([t, a]) => [t, { ...meanSd(a), runs: a }])),
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
  for (const dataset of new Set(results.map((r) => r.dataset))) printTable(dataset, results, seeds, variants);
}

function printTable(dataset: string, results: Result[], seeds: number, variants: boolean): void {
  const rows = results.filter((r) => r.dataset === dataset);
  const tasks = Object.keys(rows[0]!.tasks);
  const base = rows[0]!;
  console.log(`\n${dataset} — test AUC, mean ± sd over ${seeds} seeds${variants ? `; Δ against ${base.model}` : ''}\n`);
  console.log(`| model | ${tasks.join(' | ')} | s/run |`);
  console.log(`|---|${tasks.map(() => '---').join('|')}|---|`);
  for (const r of rows) {
    const cell = (t: string) => {
      const m = r.tasks[t]!,
        b = base.tasks[t]!;
      const text = `${m.mean.toFixed(4)} ± ${m.sd.toFixed(4)}`;
      if (!variants || r === base) return text;
      const delta = m.mean - b.mean;
      const noise = Math.max(m.sd, b.sd);
      return `${text} (${delta >= 0 ? '+' : ''}${delta.toFixed(4)}${Math.abs(delta) <= noise ? ', within noise' : ''})`;
    };
    console.log(`| ${r.model} | ${tasks.map(cell).join(' | ')} | ${r.seconds.toFixed(0)} |`);
  }
  const oracleRow = (label: string, o: Record<string, number | null> | undefined) => {
    if (o) console.log(`| ${label} | ${tasks.map((t) => o[t]?.toFixed(4) ?? '–').join(' | ')} | |`);
  };
  oracleRow('oracle', base.oracle);
  oracleRow('oracle w/o user × item affinity', base.oracleNoAffinity);
}

function meanSd(a: number[]): { mean: number; sd: number } {
  const mean = a.reduce((x, y) => x + y, 0) / a.length;
  const sd = a.length > 1 ? Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / (a.length - 1)) : 0;
  return { mean, sd };
}

await main();
