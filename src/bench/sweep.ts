// `npm run bench:sweep [-- --json] [--local] [--keep] [--repeats 3] [--rows 60000] [--epochs 6] [--replays 200]
// [--speedup-only] [--warm-workers]`:
// label-weight sweeps on the synthetic funnel, each trial in a (warm) trainer process with 1 engine thread.
//  1. Wall time of the sweep on 1 worker process vs 2: a warm-up pass (discarded), then --repeats passes of each arm
//     interleaved 1, 2, 1, 2, …; each pass's wall, CPU (children and coordinator), peak RSS of the process tree and
//     where a trial's time goes; speed-up = ratio of the arms' medians. Queue mode when
//     a Redis answers on 127.0.0.1:6379 (real `mtrank worker` processes, under a key prefix of this run that is
//     deleted at the end); otherwise, or with --local, local mode's --parallel 1 vs 2 (the same trainer per trial,
//     without the queue).
//  2. A 24-trial sweep (ASHA is made for many trials) on 2 workers, in full and with --early-stop asha: training
//     steps saved against the full sweep, and whether the best trial ASHA lets finish (test order AUC) is the full
//     sweep's best. One order is one draw, so the rule is also replayed on the full sweep's metrics logs under
//     --replays shuffled orders (pure computation).
// The trials are enqueued in a shuffled order of label weight (fixed seed): ASHA judges each trial at a rung against
// the trials that reached the rung before it, so a sweep sorted from worst to best (the earlier version of this
// bench: rising label weight, which was rising order AUC on its data) passes every newcomer and saves little.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runQueueSweep } from '../app/sweep/coordinator.js';
import { MemoryRungBook, TrialStopper, type EarlyStopSpec } from '../app/sweep/early-stop.js';
import { readGrowingLog } from '../app/sweep/follow.js';
import { runSweep } from '../app/sweep/local.js';
import { readTrialInfo } from '../app/sweep/trial-record.js';
import { writeFunnel } from '../data/index.js';
import { runTraining } from '../training/run.js';
import { Rng } from '../util/rng.js';
import {
  liveDescendantsCpuSeconds,
  passBreakdown,
  redisCpuSeconds,
  sampleTreeRss,
  trialPhases,
  type PassBreakdown,
} from './lib/sweep-timing.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const JSON_OUT = args.includes('--json');
const ROWS = opt('rows', 60_000),
  EPOCHS = opt('epochs', 6),
  REPLAYS = opt('replays', 200),
  REPEATS = Math.max(1, opt('repeats', 3));
const KEEP = args.includes('--keep');
// Only the 1-vs-2-worker passes (no ASHA half, no JSON): to measure the speed-up at other trial sizes.
const SPEEDUP_ONLY = args.includes('--speedup-only');
// Each pass's workers first train 2 trials each (other label weights), untimed: the throughput of long-lived
// workers, without each worker's one-time start (its trainer's module loading and first compile) in a ~10 s pass.
const WARM_WORKERS = args.includes('--warm-workers');
const WARM_WEIGHTS = [0.6, 0.9, 1.3, 1.7];
const log = (s: string) => {
  if (!JSON_OUT) process.stdout.write(`${s}\n`);
};

/** Fisher–Yates with the project's seeded generator. */
function shuffle<T>(items: T[], rng: Rng): T[] {
  const w = [...items];
  for (let i = w.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [w[i], w[j]] = [w[j]!, w[i]!];
  }
  return w;
}
/**
 * 24 order label weights, roughly log-spaced around the funnel's best (≈ 10–20: the order task has ~1 positive in
 * 50 rows) from 0.5 to 1000, in a fixed shuffled order (seed 7); the speed-up sweep takes every other one.
 */
const ASHA_WEIGHTS = shuffle(
  [0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7, 10, 12, 15, 20, 25, 30, 40, 50, 70, 100, 150, 200, 300, 500, 1000],
  new Rng(7),
);
const WEIGHTS = shuffle([0.5, 1, 2, 4, 7, 12, 20, 30, 50, 100, 200, 500], new Rng(7));

interface TrialFigures {
  weight: number;
  status: string;
  steps: number;
  orderAuc?: number;
  /** The trial's run folder (its metrics log is replayed under other orders). */
  dir: string;
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
      dir: run.dir,
    };
  });
}

const finished = (t: TrialFigures[]) => t.filter((x) => x.orderAuc !== undefined);
const best = (t: TrialFigures[]) => finished(t).reduce((a, b) => (b.orderAuc! > a.orderAuc! ? b : a));

/**
 * ASHA replayed on the full sweep's metrics logs, one trial after the other in `order` (one worker): the steps
 * it would train (a stopped trial up to the evaluation that stopped it) and the best test order AUC it keeps.
 */
async function replayAsha(full: TrialFigures[], order: number[], spec: EarlyStopSpec) {
  const book = new MemoryRungBook();
  let steps = 0,
    kept = -Infinity;
  for (const i of order) {
    const t = full[i]!;
    const records = readGrowingLog(join(t.dir, 'metrics.jsonl'));
    const stopper = new TrialStopper(spec, book, String(i));
    let stop: number | undefined;
    for (let k = 0; k < records.length && stop === undefined; k++)
      if (records[k]!.type === 'eval') stop = (await stopper.feed(records.slice(0, k + 1)))?.step;
    steps += stop ?? t.steps;
    if (stop === undefined) kept = Math.max(kept, t.orderAuc!);
  }
  return { steps, kept };
}

/**
 * CPU seconds of the finished child processes (workers, and through them the trainers) so far: Linux's cutime +
 * cstime of this process (clock ticks, 100 a second); undefined elsewhere. On a loaded machine wall times say
 * little, while CPU work does not depend on the load.
 */
function childCpuSeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

interface PassFigures {
  name: string;
  workers: number;
  seconds: number;
  cpu?: number;
  coordinatorCpu: number;
  redisCpu?: number;
  peakMb?: number;
  breakdown?: PassBreakdown;
}

/** One line per pass: wall, CPU and cores busy, peak memory, and where a trial's time goes. */
function describePass(p: PassFigures): string {
  const f = (x: number | undefined, d = 2) => (x === undefined ? '?' : x.toFixed(d));
  const b = p.breakdown;
  const cores = p.cpu === undefined ? '' : ` = ${f((p.cpu + p.coordinatorCpu) / p.seconds)} cores busy`;
  const parts = b
    ? `; a trial ${f(b.trialSeconds)} s on its worker = start-up ${f(b.phases.startup)} + data ${f(b.phases.data)} + train ${f(b.phases.train)} + finish ${f(b.phases.finish)} + exit/publish ${f(b.phases.exit)}; workers busy in trials ${f(100 * b.utilisation, 0)}% of the wall (queue pick-up ${f(b.pickupSeconds)} s over all gaps, first start after ${f(b.firstStartSeconds)} s, last publishes ${f(b.imbalanceSeconds)} s apart, done seen ${f(b.tailSeconds)} s after the last)`
    : '';
  return `${p.name} (${p.workers} worker${p.workers > 1 ? 's' : ''}): ${p.seconds.toFixed(1)} s; CPU ${f(p.cpu, 1)} s workers+trainers + ${f(p.coordinatorCpu, 1)} s coordinator${p.redisCpu === undefined ? '' : ` (+ ${f(p.redisCpu, 1)} s redis-server, shared)`}${cores}; peak RSS ${f(p.peakMb, 0)} MB${parts}`;
}

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
      // 5 days: 3 to train, 1 to validate, 1 to test (12 000 rows each, ~240 orders): a validation AUC that ranks
      // label weights rather than noise, which ASHA's early decisions need (8000 rows were too few: the rung's
      // order AUCs were within noise of each other).
      days: 5,
      clickRate: 0.15,
      cartRate: 0.04,
      orderRate: 0.02,
    });
    const sets = [
      'model.bottom=[32]',
      'model.tower=[16]',
      `training.epochs=${EPOCHS}`,
      // The learning rates the bench was designed with (the written config's rates train to early stopping
      // within ~400 steps, which leaves ASHA's rung nothing to save): both 0.001.
      'training.optimizer.lr=0.001',
      'training.embeddingOptimizer.lr=0.001',
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
    // 18 evaluations per trial (ASHA judges trials on them; its rung falls on one).
    const evalEvery = Math.max(1, Math.round(stepsPerTrial / 18));
    sets.push(`training.evalEvery=${evalEvery}`, `training.checkpointEvery=${stepsPerTrial}`);
    const grid = (weights: number[]) => [`tasks.order.labelWeight=${weights.join(',')}`];

    /**
     * One sweep on `workers` processes: its wall time, the CPU seconds of the children (workers and trainers) and
     * of this process (the coordinator), the peak memory of the whole process tree, per-trial figures, and where
     * the wall time went (trial phases and queue gaps, from the store's run folders).
     */
    const sweep = async (name: string, workers: number, weights: number[], earlyStop?: EarlyStopSpec) => {
      const out = join(root, name);
      const common = { config: funnel.config, grids: grid(weights), sets, out, earlyStop, log: () => {} };
      let seconds: number, start: number;
      const cpu0 = childCpuSeconds();
      const self0 = process.cpuUsage();
      const redis0 = queueMode ? redisCpuSeconds() : undefined;
      let rss: { stop(): number | undefined };
      let warmupCpu: number | undefined = 0;
      if (queueMode) {
        const queue = `redis://127.0.0.1:6379/0?prefix=${prefix}-${name}`;
        const store = join(root, `${name}-store`);
        const procs = await startWorkers(queue, store, workers, root);
        if (WARM_WORKERS) {
          // Long-lived workers: each trains a trial before the timed sweep (its trainer's start and first compile).
          await runQueueSweep({
            ...common,
            grids: grid(WARM_WEIGHTS.slice(0, 2 * workers)),
            out: join(root, `${name}-warm`),
            queue,
            store,
            pollMs: 200,
          });
          // The timed window's CPU: the workers' (and trainers') CPU so far is taken off at the end.
          warmupCpu = liveDescendantsCpuSeconds();
        }
        rss = sampleTreeRss();
        start = Date.now();
        const t = performance.now();
        try {
          await runQueueSweep({ ...common, queue, store, pollMs: 200 });
          seconds = (performance.now() - t) / 1000;
        } finally {
          await stopWorkers(procs);
        }
      } else {
        rss = sampleTreeRss();
        start = Date.now();
        const t = performance.now();
        await runSweep({ ...common, parallel: workers, png: false });
        seconds = (performance.now() - t) / 1000;
      }
      const peakMb = rss.stop();
      const cpu1 = childCpuSeconds();
      const self = process.cpuUsage(self0);
      const redis1 = queueMode ? redisCpuSeconds() : undefined;
      const trials = figures(out);
      const phases = trials.map((x) => trialPhases(x.dir)).filter((x) => x !== undefined);
      return {
        name,
        workers,
        seconds,
        cpu: cpu0 === undefined || cpu1 === undefined || warmupCpu === undefined ? undefined : cpu1 - cpu0 - warmupCpu,
        coordinatorCpu: (self.user + self.system) / 1e6,
        redisCpu: redis0 === undefined || redis1 === undefined ? undefined : redis1 - redis0,
        peakMb,
        breakdown: phases.length ? passBreakdown(phases, start, start + seconds * 1000, workers) : undefined,
        trials,
      };
    };
    type Pass = Awaited<ReturnType<typeof sweep>>;

    const mode = queueMode ? 'queue mode (mtrank worker processes, Redis 127.0.0.1:6379)' : 'local mode (--parallel)';
    const load = () =>
      `load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} on ${availableParallelism()} cores`;
    log(
      `bench:sweep — ${WEIGHTS.length} trials (order label weight, in this order: ${WEIGHTS.join(', ')}), ${ROWS} rows, ${stepsPerTrial} steps each, 1 engine thread per trainer; ${mode}${WARM_WORKERS ? "; each pass's workers first train 2 untimed trials each (--warm-workers)" : ''}`,
    );
    // A warm-up pass (discarded: the OS file cache, the data cache entry, the queue's scripts in Redis), then the
    // arms interleaved 1, 2, 1, 2, … so a drift of the load hits both alike; the speed-up is the ratio of medians.
    const warmUp = await sweep('warm-up', 2, WEIGHTS);
    log(`  warm-up pass (2 workers, discarded): ${warmUp.seconds.toFixed(1)} s`);
    const passes: Pass[] = [];
    for (let r = 1; r <= REPEATS; r++)
      for (const workers of [1, 2]) {
        const p = await sweep(`w${workers}-${r}`, workers, WEIGHTS);
        passes.push(p);
        log(`  ${describePass(p)}`);
      }
    const arm = (workers: number) => passes.filter((p) => p.workers === workers);
    const medianOf = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b);
      return v.length % 2 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
    };
    const oneMed = medianOf(arm(1).map((p) => p.seconds)),
      twoMed = medianOf(arm(2).map((p) => p.seconds));
    const speedup = oneMed / twoMed;
    log(
      `  1 worker : median ${oneMed.toFixed(1)} s of ${arm(1).length} (${(arm(1)[0]!.trials.reduce((a, b) => a + b.steps, 0) / WEIGHTS.length).toFixed(0)} steps per trial on average: the trainer's own early stopping ends some sooner)`,
    );
    log(
      `  2 workers: median ${twoMed.toFixed(1)} s of ${arm(2).length} → speed-up ${speedup.toFixed(2)}× (ratio of medians; target ≥ 1.7×)`,
    );
    log(`  ${load()} (the speed-up needs 2 idle cores)`);
    // CPU work does not depend on the load: two workers must not add work (queue, polling) to the same 12 trials.
    const cpuSum = (ps: Pass[]) =>
      ps.every((p) => p.cpu !== undefined) ? ps.reduce((a, p) => a + p.cpu!, 0) / ps.length : undefined;
    const cpuOne = cpuSum(arm(1)),
      cpuTwo = cpuSum(arm(2));
    if (cpuOne !== undefined && cpuTwo !== undefined)
      log(
        `  CPU work of workers and trainers per pass (mean): 1 worker ${cpuOne.toFixed(1)} CPU s, 2 workers ${cpuTwo.toFixed(1)} CPU s (ratio ${(cpuTwo / cpuOne).toFixed(2)})`,
      );

    if (SPEEDUP_ONLY) return;

    // Where the rung lies is the design decision. High label weights start fast and peak early and low; low ones
    // start at valid order AUC ≈ 0.47 and catch up by the 5th evaluation; the best (w ≈ 10–20) lead from the 4th on.
    // Replayed on a 19-weight sweep (0.25–1000): a rung at 3 evaluations keeps the best within 0.002 in 67–79% of
    // orders (η 3–4), at 4 evaluations η 4 in 99% saving 48% of steps, at 5 in 99% saving 42%. So the one rung sits
    // at 4 of 18 evaluations (~22% of the planned steps; the trainer's own early stopping ends most trials at ~60%)
    // and keeps the top quarter (η 4; the next rung, 4× later, lies past the end).
    const grace = 4 * evalEvery;
    const spec: EarlyStopSpec = { method: 'asha', metric: 'valid.order.auc', grace, reduction: 4, minTrials: 1 };
    const ashaFull = await sweep('asha-full', 2, ASHA_WEIGHTS);
    const full = ashaFull.trials;
    const asha = await sweep('asha', 2, ASHA_WEIGHTS, spec);
    const fullSteps = full.reduce((a, b) => a + b.steps, 0);
    const ashaSteps = asha.trials.reduce((a, b) => a + b.steps, 0);
    const saved = 1 - ashaSteps / fullSteps;
    const bFull = best(full),
      bAsha = best(asha.trials);
    const aucs = finished(full).map((x) => x.orderAuc!);
    const rank = [...aucs].sort((a, b) => b - a).indexOf(full.find((x) => x.weight === bAsha.weight)!.orderAuc!) + 1;
    log(
      `  ASHA on ${ASHA_WEIGHTS.length} trials (weights in this order: ${ASHA_WEIGHTS.join(', ')}; rung at ${grace} of ${stepsPerTrial} steps, η 4, valid.order.auc), 2 workers: ${asha.seconds.toFixed(1)} s, ${asha.trials.filter((x) => x.status === 'stopped').length} of ${ASHA_WEIGHTS.length} trials stopped`,
    );
    log(
      `    training steps: ${ashaSteps} vs ${fullSteps} for the full sweep → ${(100 * saved).toFixed(1)}% saved (target ≥ 40%)`,
    );
    log(
      `    best trial: full sweep w=${bFull.weight} (test order AUC ${bFull.orderAuc!.toFixed(4)}), ASHA w=${bAsha.weight} (${bAsha.orderAuc!.toFixed(4)}, rank ${rank} of ${aucs.length} in the full sweep), gap ${(bFull.orderAuc! - bAsha.orderAuc!).toFixed(4)} (target ≤ 0.002); spread of the full sweep ${(Math.max(...aucs) - Math.min(...aucs)).toFixed(4)}`,
    );
    log(`  ${load()}`);
    log(
      `  full ${ASHA_WEIGHTS.length}-trial sweep: ${full.map((x) => `w=${x.weight}: ${x.orderAuc?.toFixed(4)}`).join(', ')}`,
    );
    log(
      `  ASHA:       ${asha.trials.map((x) => `w=${x.weight}: ${x.status === 'stopped' ? `stopped@${x.steps}` : x.orderAuc?.toFixed(4)}`).join(', ')}`,
    );
    // One order is one draw: the same rule replayed on the full sweep's logs under many shuffled orders.
    const rng = new Rng(11);
    const replays = [];
    for (let k = 0; k < REPLAYS; k++) replays.push(await replayAsha(full, shuffle([...full.keys()], rng), spec));
    const savedR = replays.map((r) => 1 - r.steps / fullSteps).sort((a, b) => a - b);
    const within = replays.filter((r) => bFull.orderAuc! - r.kept <= 0.002).length / REPLAYS;
    log(
      `  replayed on the full sweep's logs in ${REPLAYS} shuffled orders (1 worker): steps saved median ${(100 * savedR[Math.floor(REPLAYS / 2)]!).toFixed(1)}% (min ${(100 * savedR[0]!).toFixed(1)}%), best kept within 0.002 of the full sweep's in ${(100 * within).toFixed(0)}% of the orders`,
    );
    if (JSON_OUT)
      console.log(
        JSON.stringify({
          mode: queueMode ? 'queue' : 'local',
          trials: WEIGHTS.length,
          order: WEIGHTS,
          ashaOrder: ASHA_WEIGHTS,
          stepsPerTrial,
          loadAverage: loadavg(),
          repeats: REPEATS,
          warmUpSec: warmUp.seconds,
          passes: passes.map(({ trials: _t, ...p }) => p),
          oneWorkerMedianSec: oneMed,
          twoWorkersMedianSec: twoMed,
          oneWorkerCpuSec: cpuOne,
          twoWorkersCpuSec: cpuTwo,
          speedup,
          ashaSec: asha.seconds,
          fullSteps,
          ashaSteps,
          stepsSaved: saved,
          bestFull: bFull,
          bestAsha: bAsha,
          replays: {
            orders: REPLAYS,
            medianSaved: savedR[Math.floor(REPLAYS / 2)],
            minSaved: savedR[0],
            bestWithin0002: within,
          },
          failed: [warmUp, ...passes, ashaFull, asha].flatMap((s) => s.trials).filter((x) => x.status === 'failed')
            .length,
        }),
      );
  } finally {
    if (queueMode) await deleteKeys(prefix);
    if (KEEP) log(`  kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

await main();
