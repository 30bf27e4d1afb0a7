// Prometheus metrics of one server (its own registry, so several servers in one process do not collide).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ModelInfo } from './artifact.js';

export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'mtrank_requests_total',
    help: 'HTTP requests by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'mtrank_request_duration_seconds',
    help: 'Request latency by route (from the request arriving to the response sent)',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly candidates = new Histogram({
    name: 'mtrank_candidates_per_request',
    help: 'Candidates (rank) or rows (score) per scored request',
    buckets: [1, 10, 50, 100, 200, 500, 1000, 5000],
    registers: [this.registry],
  });
  readonly batchRows = new Histogram({
    name: 'mtrank_batch_rows',
    help: 'Rows per engine call after micro-batching',
    buckets: [1, 50, 200, 400, 800, 1600, 3200, 6400],
    registers: [this.registry],
  });
  readonly oov = new Counter({
    name: 'mtrank_oov_total',
    help: 'Values sent for a categorical feature that its vocabulary does not hold (scored with the OOV slot)',
    labelNames: ['feature'] as const,
    registers: [this.registry],
  });
  readonly newItems = new Counter({
    name: 'mtrank_new_item_candidates_total',
    help: 'Candidates whose item training never saw, by the vector they were scored with: inductive (a GraphSAGE vector from --interactions) or oov (the OOV row)',
    labelNames: ['vector'] as const,
    registers: [this.registry],
  });
  readonly model = new Gauge({
    name: 'mtrank_model_info',
    help: 'The model being served (value 1), by version and content hash',
    labelNames: ['version', 'hash'] as const,
    registers: [this.registry],
  });
  readonly reloads = new Counter({
    name: 'mtrank_reloads_total',
    help: 'Model reloads by result (ok, refused)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mtrank_' });
  }

  setModel(info: ModelInfo): void {
    this.model.reset();
    this.model.set({ version: info.version, hash: info.hash }, 1);
  }
}
