// The main job (`npm start` → `mtrank demo`): synthetic funnel → Shared-Bottom with label weights →
// output-weight search → runs/demo/report.html.
import { join } from 'node:path';
import { writeFunnel } from '../data/index.js';
import { runFuseCommand, formatSummary } from '../fusion/run.js';
import { writeRunReport } from '../report/run-report.js';
import { runTraining, type RunSummary } from '../training/run.js';
import { formatTestTable } from './summary.js';
import { DEMO_ROWS } from './defaults.js';

export interface DemoOptions {
  out?: string;
  rows?: number;
  seed?: number;
  quiet?: boolean;
  /** Extra `--set` overrides for the training config. */
  set?: string[];
}

const DEMO_DAYS = 5;

export async function runDemo(o: DemoOptions = {}): Promise<{ summary: RunSummary; report: string; seconds: number }> {
  const start = performance.now();
  const out = o.out ?? join('runs', 'demo');
  const seed = o.seed ?? 42;
  const say = (m: string) => process.stderr.write(`${m}\n`);
  const rows = o.rows ?? DEMO_ROWS;
  say(
    `demo: synthesising a ${rows}-impression funnel over ${DEMO_DAYS} days (click ~10%, cart ~1%, order ~0.3%) into ${join(out, 'data')}`,
  );
  const funnel = await writeFunnel(join(out, 'data'), { rows, seed, days: DEMO_DAYS });
  const summary = await runTraining({
    config: funnel.config,
    out,
    overwrite: true, // the demo's directory holds its own previous run
    seed,
    quiet: o.quiet,
    set: [
      'name=demo',
      // the model and training settings of the written config (funnel.yaml), with checkpoints for --resume
      'training.checkpointEvery=200',
      ...(o.set ?? []),
    ],
  });
  // Beside the model's test AUC: the oracle's on the same (test) days, the ceiling any model can reach.
  const test = funnel.oracle.splits.test;
  process.stdout.write(`${formatTestTable(summary, test.auc)}\n`);
  const f4 = (x: number | null) => (x === null ? '–' : x.toFixed(4));
  const list = (o: Record<string, number | null>) =>
    Object.entries(o)
      .map(([t, a]) => `${t} ${f4(a)}`)
      .join(', ');
  process.stdout.write(
    `attainable ceiling (the oracle without what users and items unseen in training hide): ${list(test.aucAttainable)}\n` +
      `oracle without the user × item affinity: ${list(test.aucNoAffinity)}; test positives: ${Object.entries(
        test.positives,
      )
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')} (bootstrap intervals in the report)\n`,
  );
  say(
    'demo: searching output weights for the fused ranking score (default: order AUC with every task within 0.005 of its own score, else the smallest worst loss over the linear, product and rank forms)',
  );
  const fusion = await runFuseCommand({
    run: out,
    split: 'valid',
    scoreCol: 'p_{task}',
    labelCol: 'y_{task}',
    groupCol: 'group',
    samples: 1000,
    constraint: [],
    threads: 2,
    seed,
  });
  process.stdout.write(`${formatSummary(fusion)}\n`);
  const report = await writeRunReport(out, { png: false });
  const seconds = (performance.now() - start) / 1000;
  say(`demo: done in ${seconds.toFixed(0)} s — open ${report}`);
  return { summary, report, seconds };
}
