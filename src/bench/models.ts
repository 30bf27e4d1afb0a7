// `npm run bench -- models [--json] [--seeds N] [--funnel-rows N]`: test AUC per task for every model type
// (single-task, shared-bottom, MMoE, PLE, ESMM) on KuaiRand (examples/kuairand.yaml) and the synthetic funnel
// (the config `mtrank synth` writes), mean ± sd over seeds. Experts get the bottom's widths so the models are
// comparable in size. Produces the model comparison table of docs/training.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type ExperimentConfig } from '../config/index.js';
import { MODEL_TYPES } from '../config/schema.js';
import { prepareData, writeFunnel, type PreparedData } from '../data/index.js';
import { train } from '../training/trainer.js';
import { evaluateSplit } from '../training/evaluation.js';
import { shutdownThreads } from '../engine/kernels.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The model types as the config declares them, the single-task baseline first (the table's first row).
const MODELS = ['single-task' as const, ...MODEL_TYPES.filter((t) => t !== 'single-task')];

interface Dataset {
  name: string;
  configPath: string;
  overrides: string[];
}

async function datasets(funnelRows: number, tmp: string): Promise<Dataset[]> {
  const funnel = await writeFunnel(join(tmp, 'funnel'), { rows: funnelRows, seed: 42 });
  return [
    { name: 'kuairand', configPath: join(ROOT, 'examples', 'kuairand.yaml'), overrides: [] },
    { name: 'funnel', configPath: funnel.config, overrides: [] },
  ];
}

function configFor(d: Dataset, type: string, seed: number, tmp: string): ExperimentConfig {
  const base = loadConfig(d.configPath, d.overrides);
  return loadConfig(d.configPath, [
    ...d.overrides,
    `model.type=${type}`,
    `seed=${seed}`,
    `model.expertHidden=${JSON.stringify(base.model.bottom)}`,
    'training.threads=2',
    `data.cacheDir=${join(tmp, 'cache')}`,
  ]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, def: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const seeds = opt('--seeds', 3),
    funnelRows = opt('--funnel-rows', 300_000);
  const tmp = mkdtempSync(join(tmpdir(), 'mtrank-models-'));
  const results: {
    dataset: string;
    model: string;
    tasks: Record<string, { mean: number; sd: number; runs: number[] }>;
  }[] = [];
  try {
    for (const d of await datasets(funnelRows, tmp)) {
      let data: PreparedData | null = null;
      for (const type of MODELS) {
        const aucs: Record<string, number[]> = {};
        for (let s = 0; s < seeds; s++) {
          const config = configFor(d, type, 42 + s, tmp);
          data ??= await prepareData(config);
          const r = await train({ config, data, dir: join(tmp, 'run') });
          const { metrics } = evaluateSplit(r.model, data.test, undefined, 'test');
          for (const [t, m] of Object.entries(metrics)) (aucs[t] ??= []).push(m.auc);
          process.stderr.write(
            `${d.name} ${type} seed ${42 + s}: ${Object.entries(metrics)
              .map(([t, m]) => `${t} ${m.auc.toFixed(4)}`)
              .join(' ')}\n`,
          );
        }
        results.push({
          dataset: d.name,
          model: type,
          tasks: Object.fromEntries(Object.entries(aucs).map(([t, a]) => [t, { ...meanSd(a), runs: a }])),
        });
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await shutdownThreads();
  }
  if (args.includes('--json')) {
    console.log(JSON.stringify({ bench: 'models', seeds, funnelRows, results }));
    return;
  }
  for (const dataset of new Set(results.map((r) => r.dataset))) {
    const rows = results.filter((r) => r.dataset === dataset);
    const tasks = Object.keys(rows[0]!.tasks);
    console.log(`\n${dataset} — test AUC, mean ± sd over ${seeds} seeds\n`);
    console.log(`| model | ${tasks.join(' | ')} |`);
    console.log(`|---|${tasks.map(() => '---').join('|')}|`);
    for (const r of rows)
      console.log(
        `| ${r.model} | ${tasks.map((t) => `${r.tasks[t]!.mean.toFixed(4)} ± ${r.tasks[t]!.sd.toFixed(4)}`).join(' | ')} |`,
      );
  }
}

function meanSd(a: number[]): { mean: number; sd: number } {
  const mean = a.reduce((x, y) => x + y, 0) / a.length;
  const sd = a.length > 1 ? Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / (a.length - 1)) : 0;
  return { mean, sd };
}

await main();
