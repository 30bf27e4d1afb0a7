// `npm run bench:sweep [-- --json] [--local] [--rows 20000] [--epochs 6]`: a 12-trial label-weight sweep on the
// synthetic funnel, each trial its own trainer process with 1 engine thread.
//  1. Wall time of the sweep on 1 worker process vs 2, one after the other in this run → speed-up. Queue mode when
//     a Redis answers on 127.0.0.1:6379 (real `mtrank worker` processes, under a key prefix of this run that is
//     deleted at the end); otherwise, or with --local, local mode's --parallel 1 vs 2 (the same trainer per trial,
//     without the queue).
//  2. The same sweep with --early-stop asha on 2 workers: training steps saved against the full sweep, and whether
//     the best trial ASHA lets finish (test order AUC) is the full sweep's best.
// The trials are enqueued in a shuffled order of label weight (fixed seed): ASHA judges each trial at a rung against
// the trials that reached the rung before it, so a sweep sorted from worst to best (here: rising label weight, as
// order AUC rises with it) passes every newcomer and saves little; a shuffled order is what it is designed for.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runQueueSweep } from '../app/sweep/coordinator.js';
import type { EarlyStopSpec } from '../app/sweep/early-stop.js';
import { runSweep } from '../app/sweep/local.js';
import { readTrialInfo } from '../app/sweep/trial-record.js';
import { writeFunnel } from '../data/index.js';
import { runTraining } from '../training/run.js';
import { Rng } from '../util/rng.js';

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

/** 12 label weights in a fixed shuffled order (Fisher–Yates, seed 7). */
function shuffledWeights(): number[] {
  const w = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
  const rng = new Rng(7);
  for (let i = w.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [w[i], w[j]] = [w[j]!, w[i]!];
  }
  return w;
}
const WEIGHTS = shuffledWeights();

interface TrialFigures {
  weight: number;
  status: string;
  steps: number;
  orderAuc?: number;
}

/** Each trial's figures from the sweep's sweep.json (the same in local and queue mode). */
function figures(out: string): TrialFigures[] {
  const plan = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as {
    runs: { dir: string; sets: string[]; status: string }[];
  };
  return plan.runs.map((run) => {
    const info = readTrialInfo(run.dir);
    const m =
      run.status === 'finished'
        ? (JSON.parse(readFileSync(join(run.dir, 'metrics.json'), 'utf8')) as { test: { order: { auc: number } } })
        : undefined;
    return {
      weight: Number(run.sets[0]!.split('=')[1]),
      status: run.status,
      steps: info?.stepsTrained ?? 0,
      orderAuc: m?.test.order.auc,
    };
  });
}

const finished = (t: TrialFigures[]) => t.filter((x) => x.orderAuc !== undefined);
const best = (t: TrialFigures[]) => finished(t).reduce((a, b) => (b.orderAuc! > a.orderAuc! ? b : a));

const redisUp = () =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port: 6379 }, () => (s.end(), resolve(true)));
    s.on('error', () => resolve(false));
  });

/** `workers` `mtrank worker` processes on `queue`, once each says it serves the queue. */
async function startWorkers(queue: string, store: string, workers: number, logDir: string): Promise<ChildProcess[]> {
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const started = Array.from({ length: workers }, (_, i) => {
    const file = join(logDir, `worker-${i}.log`);
    const fd = openSync(file, 'w');
    return {
      file,
      p: spawn(process.execPath, [cli, 'worker', '--queue', queue, '--store', store], { stdio: ['ignore', fd, fd] }),
    };
  });
  for (const { file } of started)
    while (!(existsSync(file) && readFileSync(file, 'utf8').includes('serving')))
      await new Promise((r) => setTimeout(r, 50));
  return started.map((s) => s.p);
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map((w) => {
      const exited = new Promise((r) => w.on('exit', r));
      w.kill('SIGTERM');
      return exited;
    }),
  );
}

/** Deletes every key of this run's prefix (the Redis is shared: nothing else is touched). */
async function deleteKeys(prefix: string): Promise<void> {
  const driver = 'ioredis';
  const mod = (await import(driver)) as {
    Redis: new (url: string) => {
      keys(p: string): Promise<string[]>;
      del(...k: string[]): Promise<number>;
      quit(): Promise<unknown>;
    };
  };
  const admin = new mod.Redis('redis://127.0.0.1:6379/0');
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  await admin.quit();
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'mtrank-bench-sweep-'));
  const queueMode = !args.includes('--local') && (await redisUp());
  const prefix = `mtrank-bench-sweep-${process.pid}`;
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
    // Warm the data cache once, so every trial (and every timing) reads the same encoded split.
    const warm = await runTraining({
      config: funnel.config,
      out: join(root, 'warm'),
      quiet: 'silent',
      set: [...sets, 'training.epochs=1'],
    });
    const stepsPerTrial = warm.result.steps * EPOCHS;
    // 18 evaluations per trial; ASHA's rungs fall on evaluations: 2, 6 and 18 of them (1/9, 1/3 and all of it).
    const evalEvery = Math.max(1, Math.round(stepsPerTrial / 18));
    sets.push(`training.evalEvery=${evalEvery}`, `training.checkpointEvery=${stepsPerTrial}`);
    const grid = [`tasks.order.labelWeight=${WEIGHTS.join(',')}`];

    /** One sweep on `workers` processes; its wall time and per-trial figures. */
    const sweep = async (name: string, workers: number, earlyStop?: EarlyStopSpec) => {
      const out = join(root, name);
      const common = { config: funnel.config, grids: grid, sets, out, earlyStop, log: () => {} };
      let seconds: number;
      if (queueMode) {
        const queue = `redis://127.0.0.1:6379/0?prefix=${prefix}-${name}`;
        const store = join(root, `${name}-store`);
        const procs = await startWorkers(queue, store, workers, root);
        const t = performance.now();
        try {
          await runQueueSweep({ ...common, queue, store, pollMs: 200 });
          seconds = (performance.now() - t) / 1000;
        } finally {
          await stopWorkers(procs);
        }
      } else {
        const t = performance.now();
        await runSweep({ ...common, parallel: workers, png: false });
        seconds = (performance.now() - t) / 1000;
      }
      return { seconds, trials: figures(out) };
    };

    const mode = queueMode ? 'queue mode (mtrank worker processes, Redis 127.0.0.1:6379)' : 'local mode (--parallel)';
    const load = () =>
      `load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} on ${availableParallelism()} cores`;
    log(
      `bench:sweep — ${WEIGHTS.length} trials (order label weight, in this order: ${WEIGHTS.join(', ')}), ${ROWS} rows, ${stepsPerTrial} steps each, 1 engine thread per trainer; ${mode}`,
    );
    const one = await sweep('one', 1);
    log(
      `  1 worker : ${one.seconds.toFixed(1)} s (${(one.trials.reduce((a, b) => a + b.steps, 0) / WEIGHTS.length).toFixed(0)} steps per trial on average: the trainer's own early stopping ends some sooner)`,
    );
    log(`  ${load()} (the speed-up needs 2 idle cores)`);
    const two = await sweep('two', 2);
    const speedup = one.seconds / two.seconds;
    log(`  2 workers: ${two.seconds.toFixed(1)} s  → speed-up ${speedup.toFixed(2)}× (target ≥ 1.7×)`);

    // Rungs at grace·3ᵏ: 1/9 and 1/3 of a trial's steps are judged (the next rung is the end of training), so a
    // trial stopped at the first rung costs 1/9 of a full one, at the second 1/3.
    const grace = 2 * evalEvery;
    const spec: EarlyStopSpec = { method: 'asha', metric: 'valid.order.auc', grace, reduction: 3, minTrials: 1 };
    const asha = await sweep('asha', 2, spec);
    const full = one.trials;
    const fullSteps = full.reduce((a, b) => a + b.steps, 0);
    const ashaSteps = asha.trials.reduce((a, b) => a + b.steps, 0);
    const saved = 1 - ashaSteps / fullSteps;
    const bFull = best(full),
      bAsha = best(asha.trials);
    const aucs = finished(full).map((x) => x.orderAuc!);
    const rank = [...aucs].sort((a, b) => b - a).indexOf(full.find((x) => x.weight === bAsha.weight)!.orderAuc!) + 1;
    log(
      `  ASHA (rungs ${[grace, grace * 3].join(', ')} of ${stepsPerTrial} steps, η 3, valid.order.auc), 2 workers: ${asha.seconds.toFixed(1)} s, ${asha.trials.filter((x) => x.status === 'stopped').length} of ${WEIGHTS.length} trials stopped`,
    );
    log(
      `    training steps: ${ashaSteps} vs ${fullSteps} for the full sweep → ${(100 * saved).toFixed(1)}% saved (target ≥ 40%)`,
    );
    log(
      `    best trial: full sweep w=${bFull.weight} (test order AUC ${bFull.orderAuc!.toFixed(4)}), ASHA w=${bAsha.weight} (${bAsha.orderAuc!.toFixed(4)}, rank ${rank} of ${aucs.length} in the full sweep), gap ${(bFull.orderAuc! - bAsha.orderAuc!).toFixed(4)} (target ≤ 0.002); spread of the full sweep ${(Math.max(...aucs) - Math.min(...aucs)).toFixed(4)}`,
    );
    log(`  ${load()}`);
    log(`  full sweep: ${full.map((x) => `w=${x.weight}: ${x.orderAuc?.toFixed(4)}`).join(', ')}`);
    log(
      `  ASHA:       ${asha.trials.map((x) => `w=${x.weight}: ${x.status === 'stopped' ? `stopped@${x.steps}` : x.orderAuc?.toFixed(4)}`).join(', ')}`,
    );
    if (JSON_OUT)
      console.log(
        JSON.stringify({
          mode: queueMode ? 'queue' : 'local',
          trials: WEIGHTS.length,
          order: WEIGHTS,
          stepsPerTrial,
          loadAverage: loadavg(),
          oneWorkerSec: one.seconds,
          twoWorkersSec: two.seconds,
          speedup,
          ashaSec: asha.seconds,
          fullSteps,
          ashaSteps,
          stepsSaved: saved,
          bestFull: bFull,
          bestAsha: bAsha,
          failed: [one, two, asha].flatMap((s) => s.trials).filter((x) => x.status === 'failed').length,
        }),
      );
  } finally {
    if (queueMode) await deleteKeys(prefix);
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
