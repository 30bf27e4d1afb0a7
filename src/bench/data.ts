// `npm run bench:data [-- --json] [--rows 1000000] [--wide-rows 70000]`: encoding speed of the data layer.
// 1. The synthetic funnel CSV (18 columns: 13 features incl. multi-categorical and buckets, 3 labels), encoded
//    with DuckDB on 1 thread and on 2 (both cores) side by side — target ≤ 10 s for 1M rows on 2 threads.
// 2. A 70,000-row × 42-column CSV (20 categorical, 20 numeric, 2 labels) — target ≤ 2 s.
// 3. The second, cached run of (1) (manifest check + loading the column files) — target ≤ 1 s.
// Prints peak RSS. Timings on a shared 2-core machine are noisy: compare the ratios.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ExperimentConfig } from '../config/index.js';
import { prepareData } from '../data/prepare.js';
import { generateFunnel, writeFunnelCsv } from '../data/synth.js';
import { Rng } from '../util/rng.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const JSON_OUT = args.includes('--json');
const ROWS = opt('rows', 1_000_000),
  WIDE_ROWS = opt('wide-rows', 70_000);

function funnelConfig(csv: string, cacheDir: string): ExperimentConfig {
  return parseConfig({
    data: { source: csv, split: { method: 'time', column: 'day', validFrom: 12, testFrom: 13 }, cacheDir },
    features: {
      user_id: { type: 'categorical', minCount: 2, group: true },
      item_id: { type: 'categorical', minCount: 2, role: 'item' },
      shop_id: { type: 'categorical' },
      category_id: { type: 'categorical' },
      device: { type: 'categorical' },
      hour: { type: 'categorical' },
      position: { type: 'numeric' },
      tags: { type: 'multi-categorical', separator: '|', maxLength: 4 },
      price: { type: 'numeric', transform: 'log-standardize' },
      user_activity: { type: 'numeric', transform: 'log-standardize' },
      user_age: { type: 'numeric', transform: 'bucketize', buckets: 8 },
      item_impressions: { type: 'numeric', transform: 'log-standardize' },
      item_ctr: { type: 'numeric' },
    },
    tasks: { click: { label: 'is_click' }, cart: { label: 'is_cart' }, order: { label: 'is_order' } },
  });
}

/** 20 categorical columns (cardinality 10 … 100k), 20 numeric (some missing), 2 labels. */
function writeWideCsv(path: string, rows: number): ExperimentConfig['features'] {
  const rng = new Rng(9);
  const cats = Array.from({ length: 20 }, (_, j) => Math.round(10 * Math.pow(10, j % 5)));
  const head = [...cats.map((_, j) => `c${j}`), ...Array.from({ length: 20 }, (_, j) => `n${j}`), 'y1', 'y2'];
  const lines = [head.join(',')];
  for (let r = 0; r < rows; r++) {
    const cells: (string | number)[] = cats.map((k) => Math.floor(Math.pow(rng.float(), 2) * k));
    for (let j = 0; j < 20; j++) cells.push(rng.float() < 0.02 ? '' : (rng.normal() * (j + 1)).toFixed(3));
    cells.push(rng.float() < 0.2 ? 1 : 0, rng.float() < 0.05 ? 1 : 0);
    lines.push(cells.join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
  const features: Record<string, unknown> = {};
  cats.forEach((_, j) => {
    features[`c${j}`] = { type: 'categorical', minCount: 2 };
  });
  for (let j = 0; j < 20; j++)
    features[`n${j}`] = {
      type: 'numeric',
      transform: j % 4 === 0 ? 'bucketize' : 'standardize',
      missingIndicator: j % 5 === 0,
    };
  return features as ExperimentConfig['features'];
}

/** Wall seconds, and CPU seconds of the whole process (all DuckDB threads) — the latter is what a loaded machine does not distort. */
const cpu: Record<string, number> = {};
async function timed<T>(fn: () => Promise<T>, label = ''): Promise<[T, number]> {
  const t = performance.now(),
    c = process.cpuUsage();
  const r = await fn();
  const used = process.cpuUsage(c);
  if (label) cpu[label] = (used.user + used.system) / 1e6;
  return [r, (performance.now() - t) / 1000];
}

const work = mkdtempSync(join(tmpdir(), 'mtrank-bench-data-'));
try {
  const csv = join(work, 'funnel.csv');
  const [, genSeconds] = await timed(async () => writeFunnelCsv(generateFunnel({ rows: ROWS, seed: 1 }), csv));
  const cfg = funnelConfig(csv, join(work, 'cache'));
  const [, oneThread] = await timed(
    () => prepareData(cfg, { threads: 1, useCache: false, cacheDir: join(work, 'cache1') }),
    'encode1Thread',
  );
  const [first, twoThreads] = await timed(() => prepareData(cfg, { threads: 2, useCache: false }), 'encode2Threads');
  const [second, cached] = await timed(() => prepareData(cfg, { threads: 2 }), 'cached');
  if (!second.report.cached) throw new Error('the second run did not use the cache');

  const wide = join(work, 'wide.csv');
  const features = writeWideCsv(wide, WIDE_ROWS);
  const wideCfg = parseConfig({
    data: { source: wide, split: { method: 'random', ratios: [0.8, 0.1, 0.1] }, cacheDir: join(work, 'cache-wide') },
    features,
    tasks: { y1: { label: 'y1' }, y2: { label: 'y2' } },
  });
  const [, wideSeconds] = await timed(() => prepareData(wideCfg, { threads: 2, useCache: false }), 'wide');
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  const result = {
    rows: ROWS,
    generateSeconds: genSeconds,
    encode1Thread: oneThread,
    encode2Threads: twoThreads,
    speedup2Threads: oneThread / twoThreads,
    rowsPerSec2Threads: ROWS / twoThreads,
    cachedSeconds: cached,
    cachedVsEncode: twoThreads / cached,
    wideRows: WIDE_ROWS,
    wideColumns: 42,
    wideSeconds,
    peakRssMb,
    trainRows: first.train.rows,
    cpuSeconds: cpu,
    loadAverage: loadavg()[0],
    targets: { encode2Threads: (10 * ROWS) / 1e6, wideSeconds: (2 * WIDE_ROWS) / 70000, cachedSeconds: 1 },
  };
  if (!JSON_OUT) {
    const s = (x: number) => `${x.toFixed(2)} s`;
    console.log(`synthetic funnel: ${ROWS} rows × 18 columns (generated + written in ${s(genSeconds)})`);
    console.log(`  encode, 1 thread     ${s(oneThread)}`);
    console.log(
      `  encode, 2 threads    ${s(twoThreads)}   (${result.speedup2Threads.toFixed(2)}× vs 1 thread; ${(result.rowsPerSec2Threads / 1e3).toFixed(0)}k rows/s; target ≤ ${result.targets.encode2Threads} s)`,
    );
    console.log(
      `  cached second run    ${s(cached)}   (${result.cachedVsEncode.toFixed(1)}× faster than encoding; target ≤ 1 s)`,
    );
    console.log(
      `wide CSV: ${WIDE_ROWS} rows × 42 columns, 2 threads: ${s(wideSeconds)}   (target ≤ ${result.targets.wideSeconds} s)`,
    );
    console.log(
      `CPU seconds (all threads): ${Object.entries(cpu)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')}; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`,
    );
    console.log(`peak RSS ${peakRssMb.toFixed(0)} MB`);
  }
  console.log(JSON_OUT ? JSON.stringify(result) : '');
} finally {
  rmSync(work, { recursive: true, force: true });
}
