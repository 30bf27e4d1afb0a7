// The HTTP ranking server (fastify): /v1/rank, /v1/score, /healthz, /readyz, /metrics and, when a token is
// configured, /admin/reload. Every error is a JSON body `{ error }` with a 4xx status; a 5xx would be a bug.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, Server } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MtrankError } from '../util/errors.js';
import { importOptional } from '../util/optional-peer.js';
import { SERVE_DEFAULTS } from './defaults.js';
import type { FeatureTableSpec } from './feature-table.js';
import { withTableFields } from './feature-table.js';
import { ServeMetrics } from './metrics.js';
import { ModelSlot, type ServedModel } from './model-slot.js';
import { countNewItems } from './oov.js';
import { rankItems, scoredRows, type BackendName, type Row } from './ranker.js';
import { describeSchemaError, rankBodySchema, scoreBodySchema } from './request-schema.js';

export interface ServeOptions {
  dir: string;
  backend?: BackendName;
  /** An interaction log: its new items get inductive GraphSAGE vectors, recomputed on every reload. */
  interactions?: string;
  featureTables?: FeatureTableSpec[];
  /** Most candidates (rank) or rows (score) per request; default 1,000. */
  maxCandidates?: number;
  /** Largest request body in bytes; default 1 MiB. */
  bodyLimit?: number;
  /** Micro-batching: how long a request waits for others to share its engine call; default 1 ms. */
  maxWaitMs?: number;
  /** A batch with this many rows is scored at once; default 8,192. */
  maxBatchRows?: number;
  /** Enables POST /admin/reload with `Authorization: Bearer <token>`. */
  adminToken?: string;
  /** fastify's logger (off by default: a log line per request costs throughput). */
  logger?: boolean;
}

/**
 * The fastify instance serving the routes, typed by what mtrank's users call on it, so that mtrank's declarations
 * compile without fastify's types (fastify is an optional peer); `app as unknown as FastifyInstance` gives the rest.
 */
export interface ServerApp {
  /** Starts listening; resolves to the address. */
  listen(o: { port?: number; host?: string }): Promise<string>;
  /** A request without a socket (tests, health probes in-process). */
  inject(req: InjectRequest): Promise<InjectResponse>;
  close(): Promise<unknown>;
  readonly server: Server;
}
interface InjectRequest {
  method?: 'GET' | 'POST';
  url: string;
  payload?: object | string;
  headers?: IncomingHttpHeaders;
}
interface InjectResponse {
  statusCode: number;
  headers: OutgoingHttpHeaders;
  body: string;
  /** The body parsed as JSON (typed by the caller, as fastify's own `inject` does). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- mirrors light-my-request's Response.json
  json<T = any>(): T;
}

export interface RankingServer {
  app: ServerApp;
  slot: ModelSlot;
  metrics: ServeMetrics;
  /** Reload the artifact (SIGHUP, /admin/reload); throws MtrankError and keeps the old model when it is broken. */
  reload(): Promise<ServedModel>;
  /** Stop taking requests, let in-flight ones finish, free the model. */
  drain(): Promise<void>;
}

interface RankBody {
  context?: Row;
  candidates: Row[];
  topK?: number;
}
interface ScoreBody {
  rows: Row[];
}

/** Load the artifact and build the app (not listening yet: `app.listen` or `app.inject`). */
export async function createServer(o: ServeOptions): Promise<RankingServer> {
  // fastify is an optional peer dependency: only serving needs it, so it is loaded here (before any model).
  const { default: Fastify } = await importOptional(() => import('fastify'), 'fastify', 'serving');
  const limits = { ...SERVE_DEFAULTS, ...definedOnly(o) };
  const metrics = new ServeMetrics();
  const slot = new ModelSlot({
    dir: o.dir,
    backend: o.backend,
    interactions: o.interactions,
    featureTables: o.featureTables,
    batching: {
      maxWaitMs: limits.maxWaitMs,
      maxRows: limits.maxBatchRows,
      onBatch: (rows) => metrics.batchRows.observe(rows),
    },
  });
  const first = await slot.start();
  metrics.setModel(first.ranker.info);
  // With feature tables a key may come from the context (a user table): then no candidate field is required.
  const tableKeys = o.featureTables?.length ? [] : undefined;
  const p = first.ranker.preprocessor;

  const app = Fastify({
    logger: o.logger ?? false,
    bodyLimit: limits.bodyLimit,
    // No coercion: "12" is not a number here; the schema says what training saw.
    ajv: { customOptions: { coerceTypes: false, allErrors: false, removeAdditional: false, allowUnionTypes: true } },
    schemaErrorFormatter: (errors) => new Error(describeSchemaError(errors[0] as never)),
  });
  let draining = false;

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    let status = err.statusCode ?? (err instanceof MtrankError ? 400 : 500);
    if (err.validation) status = 400;
    if (status >= 500) req.log.error(err);
    void reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((req, reply) => {
    // Without --admin-token the reload route does not exist; say how to enable it rather than just "no route".
    const hint =
      req.url.split('?')[0] === '/admin/reload'
        ? ' (disabled: start mtrank serve with --admin-token TOKEN or MTRANK_ADMIN_TOKEN, or send SIGHUP)'
        : '';
    void reply.code(404).send({ error: `no route ${req.method} ${req.url}${hint}` });
  });
  // While draining, answers close their connection: otherwise a keep-alive socket would hold the exit for
  // fastify's 72 s keep-alive timeout.
  app.addHook('onSend', async (_req, reply) => {
    if (draining) void reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  const modelOf = (m: ServedModel) => ({
    version: m.ranker.info.version,
    hash: m.ranker.info.hash,
    score: m.ranker.info.scoreSource,
    calibrated: m.ranker.info.calibrated,
  });

  /** Encode (a bad value is the client's 400, naming row/candidate and column), count OOV, score in a batch. */
  const scoreRows = async (m: ServedModel, rows: Row[], label: string, context?: Row) => {
    let split;
    try {
      split = m.ranker.encode(rows, label, context);
    } catch (e) {
      if (e instanceof MtrankError) throw Object.assign(e, { statusCode: 400 });
      throw e;
    }
    for (const [feature, n] of split.oov) metrics.oov.inc({ feature }, n);
    for (const [vector, n] of countNewItems(m.ranker.preprocessor, rows, split)) metrics.newItems.inc({ vector }, n);
    metrics.candidates.observe(rows.length);
    const s = await m.batcher.submit(split);
    return { probs: s.tasks, score: s.score };
  };

  app.post(
    '/v1/rank',
    { schema: { body: rankBodySchema(p, limits, tableKeys) } },
    async (req: FastifyRequest<{ Body: RankBody }>) =>
      slot.use(async (m) => {
        const { context, candidates, topK } = req.body;
        if (candidates.length === 0) return { items: [], model: modelOf(m) };
        // Without feature tables the context is read under each candidate, not copied into it.
        const { probs, score } = m.tables.length
          ? await scoreRows(
              m,
              candidates.map((c) => withTableFields(m.tables, { ...context, ...c })),
              'candidates',
            )
          : await scoreRows(m, candidates, 'candidates', context);
        const items = rankItems(m.ranker.tasks, probs, score, candidates, m.ranker.info.idColumn, topK);
        return { items, model: modelOf(m) };
      }),
  );

  app.post(
    '/v1/score',
    { schema: { body: scoreBodySchema(p, limits, tableKeys) } },
    async (req: FastifyRequest<{ Body: ScoreBody }>) =>
      slot.use(async (m) => {
        const rows = req.body.rows.map((r) => withTableFields(m.tables, r));
        if (rows.length === 0) return { rows: [], model: modelOf(m) };
        const { probs, score } = await scoreRows(m, rows, 'rows');
        return { rows: scoredRows(m.ranker.tasks, probs, score), model: modelOf(m) };
      }),
  );

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const m = slot.current;
    if (!m || draining) return reply.code(503).send({ ready: false, error: draining ? 'draining' : 'no model' });
    return { ready: true, model: modelOf(m) };
  });
  app.get('/metrics', async (_req, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const reload = async () => {
    try {
      const m = await slot.reload();
      metrics.setModel(m.ranker.info);
      metrics.reloads.inc({ result: 'ok' });
      return m;
    } catch (e) {
      metrics.reloads.inc({ result: 'refused' });
      throw e;
    }
  };

  if (o.adminToken) {
    const token = Buffer.from(o.adminToken);
    app.post('/admin/reload', async (req: FastifyRequest, reply: FastifyReply) => {
      const got = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (got.length !== token.length || !timingSafeEqual(got, token))
        return reply.code(401).send({ error: 'admin token missing or wrong' });
      try {
        const m = await reload();
        return { reloaded: true, model: modelOf(m) };
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        return reply.code(422).send({ error: `reload refused, still serving the previous model: ${msg}` });
      }
    });
  }

  const drain = async () => {
    draining = true;
    await app.close();
    await slot.close();
  };
  return { app, slot, metrics, reload, drain };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
