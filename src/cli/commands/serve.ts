import type { Command } from 'commander';
import { SERVE_DEFAULTS } from '../../serve/defaults.js';
import type { BackendName, Ranker } from '../../serve/ranker.js';
import { MtrankError } from '../../util/errors.js';

const count = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new MtrankError(`--${name}: expected an integer ≥ ${min}, got '${v}'`);
  return n;
};
const collect = (v: string, all: string[]) => [...all, v];

interface ServeFlags {
  port: number;
  host: string;
  features: string[];
  maxCandidates: number;
  bodyLimit: number;
  maxWaitMs: number;
  threads: number;
  backend: BackendName;
  adminToken?: string;
  interactions?: string;
}

/** "onnxruntime (auto: 4,096 rows 9.1 ms vs engine 11.3 ms; …)" — which backend, and why when 'auto' chose. */
function backendLine(r: Ranker): string {
  const c = r.backendChoice;
  if (!c) return r.backendName;
  const t = c.timings.map(
    (x) => `${x.rows} rows engine ${x.engineMs.toFixed(2)} ms, onnxruntime ${x.onnxruntimeMs.toFixed(2)} ms`,
  );
  return `${r.backendName} (auto: ${t.join('; ')})`;
}

/** `mtrank serve DIR --port 8080`: the HTTP ranking server (docs/serving.md). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve a trained run or an export over HTTP: POST /v1/rank, /v1/score; /healthz, /readyz, /metrics')
    .argument('<dir>', 'an export folder (mtrank export) or a run directory (mtrank train)')
    .option('--port <n>', 'TCP port', count('port', 0), 8080)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option(
      '--features <file:key>',
      'a feature table (CSV/Parquet) keyed by a column; repeatable; request fields override it',
      collect,
      [],
    )
    .option('--max-candidates <n>', 'candidates (or rows) per request', count('max-candidates', 1), 1000)
    .option(
      '--body-limit <bytes>',
      'largest request body (413 above)',
      count('body-limit', 1024),
      SERVE_DEFAULTS.bodyLimit,
    )
    .option(
      '--max-wait-ms <ms>',
      'micro-batching: how long a request waits to share an engine call (0 = only requests already queued)',
      count('max-wait-ms', 0),
      SERVE_DEFAULTS.maxWaitMs,
    )
    .option('--threads <n>', 'engine threads', count('threads', 1), 1)
    .option(
      '--backend <name>',
      'auto (the faster, timed at load, on an export with onnxruntime-node installed) | engine | onnxruntime',
      'auto',
    )
    .option(
      '--interactions <file>',
      'interaction log: its items in neither the vocabulary nor the vector file get inductive GraphSAGE vectors (runs whose item feature has pretrained.graphsage); read again on reload',
    )
    .option('--admin-token <token>', 'enable POST /admin/reload with this bearer token (or MTRANK_ADMIN_TOKEN)')
    .action(async (dir: string, o: ServeFlags) => {
      if (o.backend !== 'auto' && o.backend !== 'engine' && o.backend !== 'onnxruntime')
        throw new MtrankError(`--backend: expected auto, engine or onnxruntime, got '${o.backend}'`);
      const [{ parseFeatureTableSpec }, { createServer }, { setThreads }, { INDUCTIVE_NOTE, inductiveItemFeature }] =
        await Promise.all([
          import('../../serve/feature-table.js'),
          import('../../serve/server.js'),
          import('../../engine/threads.js'),
          import('../../training/inductive-items.js'),
        ]);
      setThreads(o.threads);
      const server = await createServer({
        dir,
        backend: o.backend,
        interactions: o.interactions,
        featureTables: o.features.map(parseFeatureTableSpec),
        maxCandidates: o.maxCandidates,
        bodyLimit: o.bodyLimit,
        maxWaitMs: o.maxWaitMs,
        adminToken: o.adminToken ?? process.env.MTRANK_ADMIN_TOKEN,
      });
      try {
        await server.app.listen({ port: o.port, host: o.host });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        await server.slot.close();
        if (code === 'EADDRINUSE') throw new MtrankError(`port ${o.port} on ${o.host} is already in use`);
        throw new MtrankError(`cannot listen on ${o.host}:${o.port} (${(e as Error).message})`);
      }
      const ranker = server.slot.current!.ranker;
      const info = ranker.info;
      const address = server.app.server.address();
      const port = address && typeof address === 'object' ? address.port : o.port;
      process.stderr.write(
        `mtrank serve: ${dir} (version ${info.version}, score = ${info.scoreSource}, backend ${backendLine(ranker)}) on http://${o.host}:${port}\n`,
      );
      const ind = info.inductive;
      if (ind)
        process.stderr.write(
          `mtrank serve: ${ind.feature}: ${ind.items} new items with inductive GraphSAGE vectors (${ind.added} from ${ind.log})\n`,
        );
      else if (inductiveItemFeature(dir)) process.stderr.write(`mtrank serve: ${INDUCTIVE_NOTE}\n`);
      process.on('SIGHUP', () => {
        server.reload().then(
          (m) => process.stderr.write(`mtrank serve: reloaded ${dir} (version ${m.ranker.info.version})\n`),
          (e: Error) =>
            process.stderr.write(`mtrank serve: reload refused, still serving the previous model: ${e.message}\n`),
        );
      });
      const stop = () => {
        process.stderr.write('mtrank serve: draining\n');
        server.drain().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
