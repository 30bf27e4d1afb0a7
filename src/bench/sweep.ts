// `npm run bench:sweep [-- --json] [--rows 20000] [--epochs 6]`: a 12-trial label-weight sweep on the synthetic
// funnel, each trial its own trainer process with 1 engine thread:
//  1. wall time with 1 trainer process at a time vs 2 (side by side in one run) → speed-up;
//  2. the same sweep with --early-stop asha (grace 1/9 of a trial's steps, η 3, on valid.order.auc): training steps
//     it saves against the full sweep, and whether its best finished trial (test order AUC) is the full sweep's.
// The trials run through the local runner (`sweep --parallel`), which is what a queue worker does per trial; queue
// mode itself needs Redis and the ioredis driver (test/app/sweep-queue.test.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep, type SweepResult } from '../app/sweep/local.js';
import { readTrialInfo } from '../app/sweep/trial-record.js';
import { writeFunnel } from '../data/index.js';
import { runTraining } from '../training/run.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const JSON_OUT = args.includes('--json');
const ROWS = opt('rows', 20_000),
  EPOCHS = opt('epochs', 6);
const log = (s: string) => {
  if (!JSON_OUT) process.stdout.write(`${s}\n`);
};
const WEIGHTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

interface TrialFigures {
  weight: number;
  status: string;
  steps: number;
  orderAuc?: number;
  peakRssMb?: number;
}

function figures(r: SweepResult): TrialFigures[] {
  return r.runs.map((run, i) => {
    const info = readTrialInfo(run.dir);
    let orderAuc: number | undefined, peakRssMb: number | undefined;
    if (info?.status === 'finished') {
      const m = JSON.parse(readFileSync(join(run.dir, 'metrics.json'), 'utf8'));
      orderAuc = m.test.order.auc;
      peakRssMb = m.peakRssMb;
    }
    return {
      weight: WEIGHTS[i]!,
      status: info?.status ?? 'failed',
      steps: info?.stepsTrained ?? 0,
      orderAuc,
      peakRssMb,
    };
  });
}

const best = (t: TrialFigures[]) =>
  t.filter((x) => x.orderAuc !== undefined).reduce((a, b) => (b.orderAuc! > a.orderAuc! ? b : a));

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'mtrank-bench-sweep-'));
  try {
    const funnel = await writeFunnel(join(root, 'data'), {
      rows: ROWS,
      seed: 5,
      days: 7,
      clickRate: 0.15,
      cartRate: 0.04,
      orderRate: 0.01,
    });
    const sets = [
      'model.bottom=[32]',
      'model.tower=[16]',
      `training.epochs=${EPOCHS}`,
      'training.batchSize=256',
      'training.threads=1',
      `data.cacheDir=${join(root, 'cache')}`,
    ];
    // Warm the data cache once, so every trial (and both timings) reads the same encoded split.
    const warm = await runTraining({
      config: funnel.config,
      out: join(root, 'warm'),
      quiet: 'silent',
      set: [...sets, 'training.epochs=1'],
    });
    const stepsPerTrial = warm.result.steps * EPOCHS;
    const evalEvery = Math.max(1, Math.round(stepsPerTrial / 27));
    sets.push(`training.evalEvery=${evalEvery}`, `training.checkpointEvery=${stepsPerTrial}`);
    const grid = [`tasks.order.labelWeight=${WEIGHTS.join(',')}`];
    const sweep = (name: string, parallel: number, earlyStop?: Parameters<typeof runSweep>[0]['earlyStop']) =>
      runSweep({
        config: funnel.config,
        grids: grid,
        sets,
        out: join(root, name),
        parallel,
        png: false,
        earlyStop,
        log: () => {},
      });

    log(
      `bench:sweep — ${WEIGHTS.length} trials (order label weight ${WEIGHTS[0]}…${WEIGHTS.at(-1)}), ${ROWS} rows, ${stepsPerTrial} steps each, 1 engine thread per trainer`,
    );
    let t = performance.now();
    const one = await sweep('one', 1);
    const oneSec = (performance.now() - t) / 1000;
    log(`  1 trainer process : ${oneSec.toFixed(1)} s`);
    t = performance.now();
    const two = await sweep('two', 2);
    const twoSec = (performance.now() - t) / 1000;
    log(`  2 trainer processes: ${twoSec.toFixed(1)} s  → speed-up ${(oneSec / twoSec).toFixed(2)}×`);

    const grace = Math.max(evalEvery, Math.round(stepsPerTrial / 9));
    t = performance.now();
    const asha = await sweep('asha', 2, {
      method: 'asha',
      metric: 'valid.order.auc',
      grace,
      reduction: 3,
      minTrials: 1,
    });
    const ashaSec = (performance.now() - t) / 1000;
    const full = figures(one);
    const early = figures(asha);
    const fullSteps = full.reduce((a, b) => a + b.steps, 0);
    const ashaSteps = early.reduce((a, b) => a + b.steps, 0);
    const bFull = best(full),
      bAsha = best(early);
    log(
      `  ASHA (grace ${grace} steps, η 3, valid.order.auc), 2 processes: ${ashaSec.toFixed(1)} s, ${early.filter((x) => x.status === 'stopped').length} of ${WEIGHTS.length} trials stopped`,
    );
    log(
      `    training steps: ${ashaSteps} vs ${fullSteps} for the full sweep → ${(100 * (1 - ashaSteps / fullSteps)).toFixed(1)}% saved`,
    );
    log(
      `    best trial: full sweep w=${bFull.weight} (test order AUC ${bFull.orderAuc!.toFixed(4)}), ASHA w=${bAsha.weight} (${bAsha.orderAuc!.toFixed(4)}), gap ${(bFull.orderAuc! - bAsha.orderAuc!).toFixed(4)}`,
    );
    const peakRssMb = Math.max(...full.map((x) => x.peakRssMb ?? 0));
    log(
      `  peak RSS: trainer ${peakRssMb.toFixed(0)} MB, this process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
    );
    log(`  per trial (full sweep): ${full.map((x) => `w=${x.weight}: ${x.orderAuc?.toFixed(4)}`).join(', ')}`);
    log(
      `  ASHA: ${early.map((x) => `w=${x.weight}: ${x.status === 'stopped' ? `stopped@${x.steps}` : x.orderAuc?.toFixed(4)}`).join(', ')}`,
    );
    if (JSON_OUT)
      console.log(
        JSON.stringify({
          trials: WEIGHTS.length,
          stepsPerTrial,
          oneProcessSec: oneSec,
          twoProcessSec: twoSec,
          speedup: oneSec / twoSec,
          ashaSec,
          fullSteps,
          ashaSteps,
          stepsSaved: 1 - ashaSteps / fullSteps,
          bestFull: bFull,
          bestAsha: bAsha,
          failed: two.failed.length + one.failed.length + asha.failed.length,
          trainerPeakRssMb: peakRssMb,
          peakRssMb: process.resourceUsage().maxRSS / 1024,
        }),
      );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
