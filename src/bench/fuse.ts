// `npm run bench:fuse [-- --json] [--rows 1000000] [--threads 2] [--baseline-combos 40 | --baseline-full] [--bootstrap-timed 20] [--bootstrap-direct 3] [--no-sklearn] [--no-search]`
// The output-weight grid on a million rows: 3 tasks with funnel-like rates (click ~10%, cart ~1%, order ~0.1%)
// and correlated predicted scores, the full 0.1 grid (1,331 combinations), AUC of the rarest task (order) as
// the objective. Times `fuse` (file reading excluded; reported apart) and, when python3 with scikit-learn is
// installed, the baseline (bench/sklearn_grid.py: a Python loop calling roc_auc_score per combination) on the
// same file. The baseline's per-combination cost is constant, so by default it times the first
// --baseline-combos combinations and extrapolates to the full grid (said so in the output); --baseline-full
// runs all of them. Also checks that sklearn's AUCs equal ours on the combinations it ran, and peak RSS.
// Every task's AUC per ranking (the Pareto front) is computed: fuse's figure is the grid with the front.
// Bootstrap of the top 20 with 200 resamples (paired cells, PairedAuc) beside the direct method it replaced (a
// weight per row, one sorted pass per candidate and resample; --bootstrap-direct resamples timed, extrapolated).
// Then fixed-work micro-benchmarks on one thread: the same grid directions scored by the JavaScript row pass
// (FastAuc) and the wasm kernel (WasmAuc); and every task's AUC per ranking by one pass per task (the old
// path) against the one all-task pass, on the rows as given and in the pool's locality order (row-order.ts),
// CPU ns per row·ranking side by side, interleaved (steadier than wall time on a shared machine).
// Last (unless --no-search), the searches for many tasks at equal budget: grid, random, CMA-ES (src/bench/fuse-search.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeSync, closeSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuse, parseObjective, readScores, fuseInto } from '../fusion/index.js';
import { FastAuc, positiveRows, type TaskRows } from '../fusion/fast-auc.js';
import { WasmAuc, kernelModule, placeColumns, scratchBytes, taskGroup, unionPositives } from '../fusion/wasm-auc.js';
import { gridPoints } from '../fusion/search/grid.js';
import { localityOrder, permuted } from '../fusion/row-order.js';
import { sortedBootstrapValues, sortedOrders } from '../fusion/bootstrap-sorted.js';
import { PairedAuc } from '../fusion/paired-auc.js';
import { auc } from '../metrics/index.js';
import { Rng } from '../util/rng.js';
import { searchBench } from './fuse-search.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROWS = opt('rows', 1_000_000),
  THREADS = opt('threads', 2),
  BASELINE_COMBOS = opt('baseline-combos', 40),
  BOOT_RESAMPLES = 200,
  BOOT_TIMED = opt('bootstrap-timed', 20),
  BOOT_DIRECT = opt('bootstrap-direct', 3);
const JSON_OUT = flag('json'),
  FULL = flag('baseline-full');
const TASKS = ['click', 'cart', 'order'];
const log = (s: string) => {
  if (!JSON_OUT) process.stdout.write(`${s}\n`);
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Funnel labels from a shared latent interest; each model score sees its task's true logit through noise. */
function writeFile(path: string, rows: number): void {
  const rng = new Rng(2024);
  const fd = openSync(path, 'w');
  let buf = 'p_click,p_cart,p_order,y_click,y_cart,y_order\n';
  for (let i = 0; i < rows; i++) {
    const z = rng.normal(),
      u = rng.normal();
    const lc = -2.6 + 1.1 * z,
      lk = -3.3 + 0.9 * z + 0.8 * u,
      lo = -3.9 + 0.6 * z + 0.9 * u + 0.5 * rng.normal();
    const c = rng.float() < sigmoid(lc) ? 1 : 0;
    const k = c && rng.float() < sigmoid(lk) ? 1 : 0;
    const o = k && rng.float() < sigmoid(lo) ? 1 : 0;
    const pc = sigmoid(lc + 0.7 * rng.normal());
    const pk = sigmoid(lc + lk - 0.5 + 0.8 * rng.normal());
    const po = sigmoid(lc + lk + lo - 1 + 0.9 * rng.normal());
    // 9 significant digits: what a float32 model output prints as
    buf += `${pc.toPrecision(9)},${pk.toPrecision(9)},${po.toPrecision(9)},${c},${k},${o}\n`;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
}

type Pass = (w: number[]) => number;

/** CPU ns per row·ranking of each pass over the same directions: interleaved rounds, best round each (load spikes only add). */
function cpuPerRowRanking(
  passes: Record<string, Pass>,
  directions: number[][],
  rows: number,
  rounds = 3,
): Record<string, number> {
  const best: Record<string, number> = {};
  for (const f of Object.values(passes)) f(directions[0]); // compile and tier up before timing
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of Object.entries(passes)) {
      const c0 = process.cpuUsage();
      for (const w of directions) f(w);
      const c = process.cpuUsage(c0);
      best[name] = Math.min(best[name] ?? Infinity, ((c.user + c.system) * 1e3) / (directions.length * rows));
    }
  }
  return best;
}

/** The JS and wasm row passes on one task of the split, scoring grid directions (weights as given) on the fly. */
async function rowPasses(scores: Float64Array[], task: TaskRows): Promise<Record<string, Pass>> {
  const P = task.positives.length,
    n = scores[0].length;
  const js = new FastAuc(n, P);
  const passes: Record<string, Pass> = { js: (w) => js.aucOf(w[0], scores[0], w[1], scores[1], w[2], scores[2], task) };
  const module = await kernelModule();
  if (module) {
    const { kernel, columns: c } = placeColumns(module, scores, scratchBytes(n, P), 1);
    const wasm = new WasmAuc(kernel, n, P);
    passes.wasm = (w) => wasm.aucOf(w[0], c[0], w[1], c[1], w[2], c[2], task);
  }
  return passes;
}

/**
 * Every task's AUC of a direction: by one wasm pass per task, by the one all-task pass, and by the all-task pass
 * over the rows in locality order (what the pool scores).
 */
async function allTaskPasses(scores: Float64Array[], labels: Uint8Array[]): Promise<Record<string, Pass> | null> {
  const module = await kernelModule();
  if (!module) return null;
  const n = scores[0].length,
    U = unionPositives(labels);
  const allTasksOf = (cols: Float64Array[], ys: Uint8Array[]) => {
    const { kernel, columns: c } = placeColumns(module, cols, scratchBytes(n, U), 1);
    const wasm = new WasmAuc(kernel, n, U);
    const group = taskGroup(
      ys.map((_, t) => t),
      ys,
      c,
    );
    const out = new Float64Array(ys.length);
    return { wasm, c, pass: (w: number[]) => (wasm.aucsOf(w[0], c[0], w[1], c[1], w[2], c[2], group, out), out[0]) };
  };
  const plain = allTasksOf(scores, labels),
    order = localityOrder(scores, n);
  const local = allTasksOf(
    scores.map((s) => permuted(s, order)),
    labels.map((y) => permuted(y, order)),
  );
  const { wasm, c } = plain;
  const tasks = labels.map((y) => ({ labels: y, positives: positiveRows(y) }));
  return {
    perTask: (w) => tasks.reduce((s, task) => s + wasm.aucOf(w[0], c[0], w[1], c[1], w[2], c[2], task), 0),
    allTasks: plain.pass,
    allTasksLocal: local.pass,
  };
}

function findPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import sklearn, numpy'], { stdio: 'ignore' }).status === 0) return py;
  }
  return null;
}

const dir = mkdtempSync(join(tmpdir(), 'mtrank-bench-fuse-'));
try {
  const file = join(dir, 'scores.csv');
  let t = performance.now();
  writeFile(file, ROWS);
  log(`generated ${ROWS} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const split = await readScores(file, TASKS);
  const loadSeconds = (performance.now() - t) / 1000;
  const rates = split.labels.map((y) => y.reduce((a, b) => a + b, 0) / ROWS);
  log(
    `read ${file} in ${loadSeconds.toFixed(2)} s; positive rates ${TASKS.map((x, i) => `${x} ${(100 * rates[i]).toFixed(2)}%`).join(', ')}`,
  );

  const cpu0 = process.cpuUsage(); // process-wide: includes the worker threads
  const r = await fuse(TASKS, split, undefined, {
    form: 'linear',
    search: 'grid',
    step: 0.1,
    refine: false,
    objective: parseObjective('auc:order'),
    constraints: [],
    threads: THREADS,
    seed: 1,
    samples: 0,
    bootstrap: BOOT_RESAMPLES,
  });
  // The grid's figures leave out the bootstrap (timed by fuse itself, reported below).
  const ours = r.seconds - r.bootstrapSeconds!.wall;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6 - r.bootstrapSeconds!.cpu;
  const rowCombosPerSec = (ROWS * r.combinations) / ours;
  log(
    `mtrank fuse: ${r.combinations} combinations (${r.evaluated} distinct rankings) × ${ROWS} rows in ${ours.toFixed(2)} s on ${r.threads} threads` +
      ` = ${(rowCombosPerSec / 1e6).toFixed(0)} M rows·combinations/s (CPU ${cpuSeconds.toFixed(1)} s over all threads,` +
      ` ${((cpuSeconds * 1e9) / (ROWS * r.evaluated)).toFixed(1)} ns per row·ranking end to end: on a busy machine` +
      ` wall time ≈ CPU / cores only when the cores are free); best ${JSON.stringify(r.best.weights)} AUC(order) ${r.best.objective.toFixed(6)}`,
  );

  log(
    `  every task's AUC per ranking and the Pareto front from the same pass: ${r.pareto?.points.length} of ${r.evaluated} rankings non-dominated`,
  );

  // Bootstrap of the top 20 candidates on the same split: resamples timed, then scaled to BOOT_RESAMPLES (linear).
  const candidates = [r.best, ...r.top].slice(0, 20).map((c) => TASKS.map((t) => c.weights[t]));
  while (candidates.length < 20) candidates.push(gridPoints(3, 0.1)[candidates.length * 7 + 1]);
  const fusedCandidates = candidates.map((w) => {
    const out = new Float64Array(ROWS);
    fuseInto(w, split.scores, out);
    return out;
  });
  const objective = [{ labels: split.labels[2], weight: 1 }];
  const timed = (f: () => void) => {
    const c0 = process.cpuUsage(),
      t0 = performance.now();
    f();
    const c = process.cpuUsage(c0);
    return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
  };
  const fb = r.bootstrapSeconds!;
  log(
    `bootstrap in fuse: its top 20 candidates × ${BOOT_RESAMPLES} resamples × ${ROWS} rows (by row, paired cells): ${fb.wall.toFixed(2)} s wall, CPU ${fb.cpu.toFixed(1)} s (one thread)`,
  );
  // Side by side on one fixed set of 20 candidates (the top 10 and spread grid points: more cells than fuse's top
  // 20, which are similar rankings): CPU of each method's one-off setup and of its resamples, timed apart.
  const phases = (setup: () => void, resample: (k: number) => void, k: number) => {
    const s0 = timed(setup).cpu,
      each = timed(() => resample(k)).cpu / k;
    return { setup: s0, each, at200: s0 + each * BOOT_RESAMPLES };
  };
  let paired: PairedAuc | undefined;
  const aucs = new Float64Array(fusedCandidates.length),
    bootRng = new Rng(1);
  const cells = phases(
    () => (paired = new PairedAuc(fusedCandidates, [objective[0].labels])),
    (k) => {
      for (let b = 0; b < k; b++) {
        paired!.draw(bootRng);
        paired!.aucs(aucs);
      }
    },
    BOOT_TIMED,
  );
  let orders: Uint32Array[] = [];
  const direct = phases(
    () => (orders = sortedOrders(fusedCandidates)),
    (k) => sortedBootstrapValues(fusedCandidates, objective, undefined, k, new Rng(1), orders),
    BOOT_DIRECT,
  );
  const bootSeconds = cells.at200,
    directSeconds = direct.at200;
  log(
    `bootstrap, same 20 candidates, CPU one thread: paired cells ${cells.setup.toFixed(1)} s setup + ${(cells.each * 1000).toFixed(0)} ms per resample → ${BOOT_RESAMPLES} resamples ${bootSeconds.toFixed(1)} s; direct (weight per row, sorted pass per candidate) ${direct.setup.toFixed(1)} s sorts + ${direct.each.toFixed(2)} s per resample → ${directSeconds.toFixed(0)} s (extrapolated); ratio ${(directSeconds / bootSeconds).toFixed(0)}x`,
  );
  let baseline: Record<string, unknown> = {
    status: 'skipped',
    reason: 'python3 with scikit-learn not installed (Debian: apt-get install python3-sklearn)',
  };
  const py = flag('no-sklearn') ? null : findPython();
  const script = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'bench', 'sklearn_grid.py');
  if (py && existsSync(script)) {
    const limit = FULL ? 0 : BASELINE_COMBOS;
    const out = spawnSync(py, [script, file, '--task', 'order', '--limit', String(limit)], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (out.status !== 0) throw new Error(`sklearn baseline failed: ${out.stderr}`);
    const b = JSON.parse(out.stdout.trim().split('\n').pop()!) as {
      seconds: number;
      combinations: number;
      best: number;
      results: number[][];
    };
    const fullSeconds = (b.seconds / b.combinations) * r.combinations;
    // Exactness on the combinations sklearn ran: sklearn vs our sort-based auc and our bucketed FastAuc, same weights.
    const fused = new Float64Array(ROWS),
      order = split.labels[2];
    const fast = new FastAuc(ROWS, positiveRows(order).length);
    const task = { labels: order, positives: positiveRows(order) };
    let maxDiffMetrics = 0,
      maxDiffFast = 0;
    for (const row of b.results.slice(0, 60)) {
      const { min, max } = fuseInto(row.slice(0, 3), split.scores, fused);
      const skl = row[3];
      if (max > min) maxDiffMetrics = Math.max(maxDiffMetrics, Math.abs(auc(fused, order) - skl));
      maxDiffFast = Math.max(maxDiffFast, Math.abs(fast.auc(fused, task) - skl));
    }
    baseline = {
      status: FULL ? 'full' : 'extrapolated',
      python: py,
      combinationsTimed: b.combinations,
      secondsTimed: b.seconds,
      secondsFullGrid: fullSeconds,
      ratio: fullSeconds / ours,
      maxAbsDiffVsSklearn: { metricsAuc: maxDiffMetrics, fastAuc: maxDiffFast },
      ...(FULL ? { best: b.best, bestDiff: Math.abs(b.best - r.best.objective) } : {}),
    };
    log(
      `sklearn baseline (${py}): ${b.combinations} combinations in ${b.seconds.toFixed(1)} s → ${FULL ? '' : 'extrapolated '}full grid ${fullSeconds.toFixed(0)} s`,
    );
    log(
      `ratio: mtrank fuse is ${(fullSeconds / ours).toFixed(0)}x faster; max |AUC − sklearn| on those combinations: metrics.auc ${maxDiffMetrics.toExponential(1)}, bucketed ${maxDiffFast.toExponential(1)}`,
    );
  } else {
    log('sklearn baseline: skipped (python3 with scikit-learn not installed; Debian: apt-get install python3-sklearn)');
  }
  // Fixed work on one thread: every 37th grid direction (36 of them; weights × 10), order and click tasks.
  const directions = gridPoints(3, 0.1)
    .filter((w, i) => i % 37 === 1)
    .map((w) => w.map((x) => Math.round(x * 10)));
  const kernelBench: Record<string, Record<string, number>> = {};
  for (const t of [2, 0]) {
    const y = split.labels[t];
    const ns = cpuPerRowRanking(
      await rowPasses(split.scores, { labels: y, positives: positiveRows(y) }),
      directions,
      ROWS,
    );
    kernelBench[TASKS[t]] = ns;
    log(
      `row pass, one thread, AUC(${TASKS[t]}) (${(100 * rates[t]).toFixed(2)}% positives), ${directions.length} directions: ` +
        Object.entries(ns)
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(', ') +
        ' ns CPU per row·ranking' +
        (ns.wasm ? `; wasm ${(ns.js / ns.wasm).toFixed(1)}x faster` : ' (wasm kernel build missing)'),
    );
  }
  // Every task's AUC per ranking on one thread: one kernel pass per task (the old path) vs one pass for all.
  const allTasks = await allTaskPasses(split.scores, split.labels);
  const allNs = allTasks && cpuPerRowRanking(allTasks, directions, ROWS);
  if (allNs)
    log(
      `every task's AUC per ranking, one thread, ${directions.length} directions: one pass per task ${allNs.perTask.toFixed(2)}, one pass for all ${allNs.allTasks.toFixed(2)}, one pass for all over rows in locality order ${allNs.allTasksLocal.toFixed(2)} ns CPU per row·ranking; ${(allNs.perTask / allNs.allTasks).toFixed(1)}x, locality ${(allNs.allTasks / allNs.allTasksLocal).toFixed(2)}x`,
    );
  const searches = flag('no-search')
    ? undefined
    : await searchBench({ rows: 100_000, budget: 400, seeds: 3, threads: THREADS, log });
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  log(`peak RSS ${peakRssMb.toFixed(0)} MB`);
  if (JSON_OUT) {
    process.stdout.write(
      `${JSON.stringify({
        bench: 'fuse',
        rows: ROWS,
        tasks: TASKS,
        positiveRates: rates,
        loadSeconds,
        combinations: r.combinations,
        evaluated: r.evaluated,
        threads: r.threads,
        seconds: ours,
        cpuSeconds,
        rowCombinationsPerSecond: rowCombosPerSec,
        best: r.best.weights,
        bestAuc: r.best.objective,
        cpuNsPerRowRanking: (cpuSeconds * 1e9) / (ROWS * r.evaluated),
        kernelBench,
        baseline,
        paretoFront: r.pareto?.points.length,
        bootstrap: {
          candidates: 20,
          inFuse: fb,
          cpuSeconds200: bootSeconds,
          directCpuSeconds200: directSeconds,
        },
        allTaskPass: allNs,
        peakRssMb,
        searches,
      })}\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
