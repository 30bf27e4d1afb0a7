// `npm run bench:serve [-- --json] [--duration 20] [--connections 64] [--candidates 200] [--skip-kuairand]`
// Serving, loopback only. Trains a funnel-shaped and a KuaiRand-shaped model (small, a few seconds each), exports
// them, then, side by side in this run:
//  1. in-process scoring of the same batches (1, 200, 4,096 rows) by mtrank's engine and by onnxruntime-node
//     (model call alone, and encode + call), p50 per call and the ratio;
//  2. `mtrank serve` (a child process) under autocannon: 1 context × 200 candidates per request, 64 connections:
//     requests/s, candidates/s, p50/p99, errors — for both models, each beside a yardstick run in turn: a bare
//     fastify route that parses the same bodies and answers a same-sized ranking without scoring (the ceiling of
//     HTTP + JSON on this machine right now); the funnel server on `--backend engine` beside the default 'auto'
//     (when onnxruntime-node is installed); then the funnel server at the target rate (150,000 candidates/s,
//     open loop), whose p99 is the latency target's figure (64 connections in a closed loop queue: p99 there is
//     64 / throughput, not the server's latency);
//  3. the funnel server again with 10% malformed requests (all must be 4xx, none 5xx; server RSS before/after);
//  4. a reload every 2 s under load (SIGHUP): failed requests must be 0.
// Every loop is bounded in count and time.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { writeFunnel } from '../data/index.js';
import { exportRun } from '../export/export.js';
import { runTraining } from '../training/run.js';
import { loadRanker, type Row } from '../serve/ranker.js';
import { onnxRuntimeAvailable } from '../export/onnxruntime.js';
import { setThreads } from '../engine/threads.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const opt = (name: string, d: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const DURATION = opt('duration', 20),
  CONNECTIONS = opt('connections', 64),
  CANDIDATES = opt('candidates', 200);
const json = flag('json');
/** The issue's throughput target; the open-loop run sends exactly this. */
const TARGET_CANDIDATES_PER_SEC = 150_000;
const log = (s: string) => (json ? process.stderr : process.stdout).write(s + '\n');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(root, 'dist', 'cli', 'main.js');

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  '4xx': number;
  '5xx': number;
}
type Autocannon = (o: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Model {
  name: string;
  dir: string;
  rows: Row[];
  /** Columns that describe the user/request (sent once as the context). */
  contextColumns: string[];
  numeric: Set<string>;
}

async function main(): Promise<void> {
  setThreads(1);
  const work = mkdtempSync(join(tmpdir(), 'mtrank-bench-serve-'));
  const models: Model[] = [await funnelModel(work)];
  const kuairand = join(root, 'examples', 'kuairand.yaml');
  if (!flag('skip-kuairand') && existsSync(join(root, '..', 'shared', 'datasets', 'kuairand-k15', 'interactions.tsv')))
    models.push(await kuairandModel(work, kuairand));
  const ort = await onnxRuntimeAvailable();
  log(`onnxruntime-node ${ort ? 'available' : 'not installed: engine only'}`);

  const inProcess: Record<string, unknown>[] = [];
  for (const m of models) inProcess.push(...(await inProcessScoring(m, ort)));

  const http: Record<string, unknown>[] = [];
  for (const m of models) {
    const bodies = requestBodies(m, 8);
    http.push({
      model: m.name,
      run: 'ceiling: fastify echo, no scoring',
      ...(await load(m, bodies, DURATION, { echo: true })),
    });
    http.push({ model: m.name, run: 'clean', ...(await load(m, bodies, DURATION)) });
  }
  // The default backend is 'auto'; the engine on its own beside it, for the ratio of the two over HTTP.
  if (ort)
    http.push({
      model: models[0]!.name,
      run: 'clean, --backend engine',
      ...(await load(models[0]!, requestBodies(models[0]!, 8), DURATION, { backend: 'engine' })),
    });
  const funnel = models[0]!;
  const rate = Math.round(TARGET_CANDIDATES_PER_SEC / CANDIDATES);
  http.push({
    model: funnel.name,
    run: `open loop at ${rate} req/s`,
    ...(await load(funnel, requestBodies(funnel, 8), DURATION, { rate })),
  });
  const bodies = requestBodies(funnel, 9);
  bodies.push(malformed(bodies[0]!)); // 1 in 10
  http.push({ model: funnel.name, run: '10% malformed', ...(await load(funnel, bodies, Math.max(2, DURATION / 2))) });
  http.push({
    model: funnel.name,
    run: 'reload every 2 s',
    ...(await load(funnel, requestBodies(funnel, 8), Math.max(4, DURATION / 2), { reloadEveryMs: 2000 })),
  });
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  log(`bench process peak RSS ${peakRssMb.toFixed(0)} MB`);
  if (json) console.log(JSON.stringify({ inProcess, http, peakRssMb, duration: DURATION, connections: CONNECTIONS }));
}

// ---------- models ----------

async function funnelModel(work: string): Promise<Model> {
  const t0 = performance.now();
  const f = await writeFunnel(join(work, 'funnel-data'), { rows: 30_000, days: 6, seed: 1 });
  const run = join(work, 'funnel-run');
  await runTraining({
    config: f.config,
    out: run,
    quiet: 'silent',
    set: ['model.bottom=[128,64]', 'model.tower=[32]', 'training.evalEvery=1000', 'data.cacheDir=' + join(work, 'c1')],
  });
  writeFileSync(
    join(run, 'fusion.json'),
    JSON.stringify({ form: 'linear', weights: { click: 0.2, cart: 0.3, order: 1 } }),
  );
  const dir = join(work, 'funnel-export');
  exportRun(run, dir);
  log(`funnel-shaped model (shared-bottom 128-64, towers 32, 3 tasks) trained and exported in ${secs(t0)}`);
  return {
    name: 'funnel',
    dir,
    rows: readDelimited(f.csv, ',', 20_000),
    contextColumns: ['user_id', 'hour', 'device', 'user_activity', 'user_age'],
    numeric: new Set(['position', 'price', 'user_activity', 'user_age', 'item_impressions', 'item_ctr']),
  };
}

async function kuairandModel(work: string, config: string): Promise<Model> {
  const t0 = performance.now();
  const run = join(work, 'kuairand-run');
  await runTraining({
    config: config,
    out: run,
    quiet: 'silent',
    set: ['training.epochs=1', 'training.evalEvery=1000', 'data.cacheDir=' + join(work, 'c2')],
  });
  writeFileSync(
    join(run, 'fusion.json'),
    JSON.stringify({ form: 'linear', weights: { is_click: 1, long_view: 0.5, like: 0.5 } }),
  );
  const dir = join(work, 'kuairand-export');
  exportRun(run, dir);
  log(`KuaiRand-shaped model (shared-bottom 64-32, 3 tasks) trained on the KuaiRand log and exported in ${secs(t0)}`);
  const data = join(root, '..', 'shared', 'datasets', 'kuairand-k15', 'interactions.tsv');
  return {
    name: 'kuairand',
    dir,
    rows: readDelimited(data, '\t', 20_000),
    contextColumns: ['user_id', 'hourmin'],
    numeric: new Set(['duration_ms']),
  };
}

/** The first `limit` rows of a simple delimited file (no quoting), as strings. */
function readDelimited(path: string, sep: string, limit: number): Row[] {
  const lines = readFileSync(path, 'utf8').split('\n', limit + 1);
  const head = lines[0]!.split(sep);
  return lines
    .slice(1)
    .filter((l) => l)
    .map((l) => Object.fromEntries(l.split(sep).map((v, i) => [head[i]!, v])));
}

// ---------- in-process ----------

async function inProcessScoring(m: Model, ort: boolean): Promise<Record<string, unknown>[]> {
  const engine = await loadRanker(m.dir, { backend: 'engine' });
  const onnx = ort ? await loadRanker(m.dir, { backend: 'onnxruntime' }) : null;
  const out: Record<string, unknown>[] = [];
  for (const batch of [1, 200, 4096]) {
    const rows = m.rows.slice(0, batch);
    const split = engine.encode(rows);
    const e = await p50(() => engine.predict(split));
    const full = await p50(() => engine.score(rows));
    const o = onnx ? await p50(() => onnx.predict(split)) : NaN;
    const ofull = onnx ? await p50(() => onnx.score(rows)) : NaN;
    const r = {
      model: m.name,
      batch,
      engineMs: e,
      onnxruntimeMs: o,
      ortOverEngine: o / e,
      engineWithEncodeMs: full,
      onnxruntimeWithEncodeMs: ofull,
    };
    out.push(r);
    log(
      `${m.name} batch ${batch}: model call p50 engine ${ms(e)}, onnxruntime ${ms(o)} (onnxruntime/engine ${(o / e).toFixed(2)}); ` +
        `with encoding engine ${ms(full)}, onnxruntime ${ms(ofull)}`,
    );
  }
  engine.close();
  onnx?.close();
  return out;
}

/** Median wall time of fn over up to 300 calls or 2 s (after 3 warm-up calls). */
async function p50(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const times: number[] = [];
  const end = performance.now() + 2000;
  while (times.length < 300 && performance.now() < end) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

// ---------- HTTP ----------

/** Request bodies: one user's context and `CANDIDATES` candidates each (JSON types as a client sends them). */
function requestBodies(m: Model, count: number): string[] {
  const typed = (r: Row) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, v === '' ? null : m.numeric.has(k) ? Number(v) : (v as string)]),
    );
  return Array.from({ length: count }, (_, k) => {
    const at = (k * CANDIDATES * 7) % Math.max(1, m.rows.length - CANDIDATES);
    const slice = m.rows.slice(at, at + CANDIDATES).map(typed);
    const context = Object.fromEntries(m.contextColumns.map((c) => [c, slice[0]![c]]));
    const candidates = slice.map((r) =>
      Object.fromEntries(Object.entries(r).filter(([c]) => !m.contextColumns.includes(c))),
    );
    return JSON.stringify({ context, candidates, topK: 50 });
  });
}

function malformed(body: string): string {
  const b = JSON.parse(body) as { candidates: Row[] };
  b.candidates[17] = { ...b.candidates[17], item_id: { not: 'an id' } };
  return JSON.stringify(b);
}

interface LoadOptions {
  /** SIGHUP the server this often. */
  reloadEveryMs?: number;
  /** The yardstick server instead of mtrank serve. */
  echo?: boolean;
  /** Open loop: this many requests per second in all (autocannon corrects for coordinated omission). */
  rate?: number;
  /** The server's --backend (default: its own default, auto). */
  backend?: string;
}

async function load(
  m: Model,
  bodies: string[],
  seconds: number,
  o: LoadOptions = {},
): Promise<Record<string, unknown>> {
  const reloadEveryMs = o.reloadEveryMs ?? 0;
  const server = o.echo ? await startEchoServer() : await startServer(m.dir, o.backend);
  try {
    const url = `http://127.0.0.1:${server.port}`;
    const rssBefore = rssMb(server.child.pid!);
    // SIGHUP from outside the bench's event loop (which autocannon keeps busy); counted by the server's /metrics.
    const timer = reloadEveryMs > 0 ? setInterval(() => server.child.kill('SIGHUP'), reloadEveryMs) : null;
    const r = await autocannon({
      url: `${url}/v1/rank`,
      connections: CONNECTIONS,
      duration: seconds,
      timeout: 10,
      ...(o.rate ? { overallRate: o.rate } : {}),
      requests: bodies.map((body) => ({
        method: 'POST',
        path: '/v1/rank',
        headers: { 'content-type': 'application/json' },
        body,
      })),
    });
    if (timer) clearInterval(timer);
    const rssAfter = rssMb(server.child.pid!);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const reloads = { ok: counter(metrics, 'ok'), failed: counter(metrics, 'refused') };
    const out = {
      requestsPerSec: r.requests.average,
      candidatesPerSec: r.requests.average * CANDIDATES,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      requests: r.requests.total,
      ok2xx: r['2xx'],
      client4xx: r['4xx'],
      server5xx: r['5xx'],
      errors: r.errors, // autocannon counts a timeout both as an error and as a timeout
      timeouts: r.timeouts,
      serverRssMbBefore: rssBefore,
      serverRssMbAfter: rssAfter,
      serverPeakRssMb: peakRssOf(server.child.pid!),
      ...(reloadEveryMs ? { reloadsOk: reloads.ok, reloadsFailed: reloads.failed } : {}),
    };
    const what = o.echo
      ? 'yardstick (fastify echo, no scoring) '
      : o.rate
        ? `open loop ${o.rate} req/s `
        : o.backend
          ? `--backend ${o.backend} `
          : '';
    log(
      `${m.name} HTTP ${what}${bodies.length === 10 ? '(10% malformed) ' : ''}${reloadEveryMs ? `(reload every ${reloadEveryMs / 1000} s: ${reloads.ok} ok, ${reloads.failed} failed) ` : ''}` +
        `${CONNECTIONS} connections ${seconds} s: ${out.requestsPerSec.toFixed(0)} req/s, ${out.candidatesPerSec.toFixed(0)} candidates/s, ` +
        `p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms; 2xx ${out.ok2xx}, 4xx ${out.client4xx}, 5xx ${out.server5xx}, errors ${out.errors} (${out.timeouts} timeouts); ` +
        `server RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB`,
    );
    return out;
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }
}

// The yardstick: the same fastify, body limit and JSON parsing, and an answer of the size mtrank serve gives for
// topK 50 — everything but validation, encoding and scoring.
const ECHO_SERVER = `
import Fastify from 'fastify';
const app = Fastify({ bodyLimit: ${1 << 20} });
const items = Array.from({ length: 50 }, (_, i) => ({ index: i, id: String(1000 + i), score: 0.123456789, tasks: { click: 0.123456789, cart: 0.0123456789, order: 0.00123456789 } }));
app.post('/v1/rank', async (req) => ({ items: items.slice(0, Math.min(50, req.body.candidates.length)), model: { version: 'echo', hash: 'echo', score: 'fusion' } }));
app.get('/metrics', async () => '');
await app.listen({ port: 0, host: '127.0.0.1' });
process.stderr.write('echo on http://127.0.0.1:' + app.server.address().port + '\\n');
`;

function startEchoServer(): Promise<{ child: ChildProcess; port: number }> {
  return startChild(['--input-type=module', '-e', ECHO_SERVER]);
}

function startServer(dir: string, backend?: string): Promise<{ child: ChildProcess; port: number }> {
  const flags = backend ? ['--backend', backend] : [];
  return startChild([CLI, 'serve', dir, '--port', '0', '--admin-token', 'bench', ...flags]);
}

async function startChild(argv: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '',
    started = false;
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start in 60 s: ${err}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m && !started) {
        started = true;
        const backend = /backend (.*)\) on http/.exec(err)?.[1];
        if (backend) log(`  server backend: ${backend}`);
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  return { child, port };
}

const counter = (metrics: string, result: string) =>
  Number(new RegExp(`mtrank_reloads_total\\{result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
const status = (pid: number, key: string) => {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const rssMb = (pid: number) => status(pid, 'VmRSS');
const peakRssOf = (pid: number) => status(pid, 'VmHWM');
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(3)} ms` : 'n/a');

await main();
