// The model a server answers with, and its hot reload: a new artifact is loaded completely (weights, fusion,
// feature tables) beside the old one, then swapped in with one assignment. Requests hold the model they
// started on until they finish; the old model's memory is given back once its last request is done. A
// broken artifact never gets swapped in.
import { MtrankError } from '../util/errors.js';
import { MicroBatcher, type BatcherOptions } from './batcher.js';
import { loadFeatureTable, type FeatureTable, type FeatureTableSpec } from './feature-table.js';
import { loadRanker, type BackendName, type LoadRankerOptions, type Ranker } from './ranker.js';

export interface ServedModel {
  ranker: Ranker;
  batcher: MicroBatcher;
  tables: FeatureTable[];
}

export interface ModelSlotOptions extends LoadRankerOptions {
  dir: string;
  featureTables?: FeatureTableSpec[];
  batching: BatcherOptions;
}

interface Holder {
  model: ServedModel;
  users: number;
  retired: boolean;
}

export class ModelSlot {
  private holder: Holder | null = null;
  private reloading: Promise<ServedModel> | null = null;
  private chosen: BackendName | undefined;

  constructor(private readonly opts: ModelSlotOptions) {}

  get current(): ServedModel | null {
    return this.holder?.model ?? null;
  }

  /** Load the first model (throws MtrankError when the artifact is unusable). */
  async start(): Promise<ServedModel> {
    return this.reload();
  }

  /** Load the artifact again and swap; on failure the current model keeps serving and the error is thrown. */
  reload(): Promise<ServedModel> {
    // Reloads are serialized: a second SIGHUP during a load waits for it and then loads again.
    const prev = this.reloading ?? Promise.resolve(null);
    const next = prev.catch(() => null).then(() => this.swapIn());
    this.reloading = next;
    void next.then(
      () => this.reloading === next && (this.reloading = null),
      () => this.reloading === next && (this.reloading = null),
    );
    return next;
  }

  /** Run `fn` on the current model; a reload meanwhile does not free that model before `fn` settles. */
  async use<T>(fn: (m: ServedModel) => Promise<T>): Promise<T> {
    const h = this.holder;
    if (!h) throw new MtrankError('no model loaded yet');
    h.users++;
    try {
      return await fn(h.model);
    } finally {
      h.users--;
      if (h.retired && h.users === 0) void retire(h);
    }
  }

  /** Wait for the current model's work to finish and free it (server shutdown). */
  async close(): Promise<void> {
    const h = this.holder;
    this.holder = null;
    if (h) {
      h.retired = true;
      if (h.users === 0) await retire(h);
    }
  }

  private async swapIn(): Promise<ServedModel> {
    // 'auto' times the backends at start only: during a reload under load the timings would include the requests
    // served meanwhile, so reloads keep the backend chosen at start.
    const backend = this.holder && (this.opts.backend ?? 'auto') === 'auto' ? this.chosen : this.opts.backend;
    const ranker = await loadRanker(this.opts.dir, { backend, interactions: this.opts.interactions });
    this.chosen ??= ranker.backendName as BackendName;
    let tables: FeatureTable[];
    try {
      tables = await Promise.all((this.opts.featureTables ?? []).map((s) => loadFeatureTable(s, ranker.dataConfig)));
    } catch (e) {
      ranker.close();
      throw e;
    }
    const batcher = new MicroBatcher((split) => ranker.predict(split), this.opts.batching);
    const model: ServedModel = { ranker, batcher, tables };
    const old = this.holder;
    this.holder = { model, users: 0, retired: false };
    if (old) {
      old.retired = true;
      if (old.users === 0) void retire(old);
    }
    return model;
  }
}

async function retire(h: Holder): Promise<void> {
  await h.model.batcher.idle();
  h.model.ranker.close();
}
