// Truly new items: an item in neither the training vocabulary nor the vector file, but with observed
// interactions in a log (`--interactions LOG` of predict, export and serve), gets an inductive GraphSAGE vector
// computed from the users it interacted with (embedNewNode), when the run's item feature names the GraphSAGE
// model that wrote its vectors (`pretrained.graphsage`). The run is copied into one whose vocabulary ends with
// those items and whose item tables have a row per item: the frozen pretrained table gets the inductive vector
// (times the run's rescale factor), a learned table beside it (concat) its OOV row — what an ID appended from
// the vector file reads. Predict, the ranker and the ONNX export all score that copy, so they agree.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import { Preprocessor, type FittedCategorical, type PreprocessJson } from '../features/preprocessor.js';
import type { FittedPretrained } from '../features/pretrained.js';
import { createModel } from '../models/index.js';
import type { MultiTaskModel } from '../models/model.js';
import { embedAll, embedNewNode, type GraphSageModel } from '../pretrain/graphsage.js';
import { loadGraphSage } from '../pretrain/graphsage-io.js';
import { nodeOf } from '../pretrain/graph.js';
import { readInteractionLog } from '../pretrain/log.js';
import { pretrainedGroup } from '../pretrain/modes.js';
import { withPretrainedGroups } from '../pretrain/pipeline.js';
import { inputSpec, type SavedRun } from './saved-run.js';
import { MtrankError } from '../util/errors.js';

/** The log a run's inductive items came from (recorded in preprocess.json's `pretrained.inductive`). */
export interface InductiveLog {
  /** Absolute path of the interaction log. */
  log: string;
  sha256: string;
}

export interface InductiveItems {
  /** The run with the new items appended (the input run itself when there were none). */
  run: SavedRun;
  /** Items appended by this call. */
  added: number;
  source: InductiveLog;
}

/**
 * The run extended with an inductive vector for every new item of `interactions` (only those in `only`, when
 * given) that has a user the GraphSAGE graph knows. New: the vocabulary does not hold it (an export made with
 * --interactions already holds its log's items). With items added the returned run has its own model; the input
 * run's model is left as it was (the caller releases it).
 */
export async function withInductiveItems(
  run: SavedRun,
  interactions: string,
  only?: Iterable<unknown>,
): Promise<InductiveItems> {
  const { feature: f, graphsage } = itemSetup(run);
  const [log, sha256] = await Promise.all([
    readInteractionLog(interactions, { user: graphsage.user, item: f.column }),
    fileSha256(interactions),
  ]);
  const source = { log: resolve(interactions), sha256 };
  const sage = loadGraphSage(graphsage.model);
  if (sage.dim !== f.dim)
    throw new MtrankError(
      `${graphsage.model}: GraphSAGE vectors have dimension ${sage.dim}, features.${f.name}.embeddingDim is ${f.dim}`,
    );
  const known = new Set(f.vocab);
  const wanted = only === undefined ? null : new Set([...only].filter(sent).map(String));
  const usersOf = new Map<string, number[]>(); // new item → its users' graph nodes, in log order
  log.items.forEach((item, k) => {
    if (known.has(item) || (wanted && !wanted.has(item))) return;
    const node = nodeOf(sage.graph, 'user', log.users[k]!);
    if (node === undefined) return; // a user the graph does not know carries no signal
    const list = usersOf.get(item) ?? [];
    list.push(node);
    usersOf.set(item, list);
  });
  if (usersOf.size === 0) return { run, added: 0, source };

  const factor = rescaleFactor(run, f, sage, graphsage.model);
  const tokens = [...usersOf.keys()];
  const vectors = tokens.map((t) => embedNewNode(sage, usersOf.get(t)!).map((x) => x * factor));
  const preprocessor = extendedPreprocessor(run.preprocessor.json, f.name, tokens, source);
  const model = extendedModel(run, preprocessor, f, vectors);
  return { run: { ...run, preprocessor, model }, added: tokens.length, source };
}

const sent = (v: unknown) => v !== null && v !== undefined && v !== '';

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  } catch (e) {
    throw new MtrankError(
      `${path}: cannot read the interaction log (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return h.digest('hex');
}

function itemSetup(run: SavedRun) {
  const name = run.preprocessor.json.itemFeature;
  const conf = name ? run.config.features[name] : undefined;
  const graphsage = conf?.type === 'categorical' ? conf.pretrained?.graphsage : undefined;
  if (!name || !graphsage)
    throw new MtrankError(
      `--interactions: the run's item feature has no pretrained.graphsage model to embed new items with (${run.dir}/config.json)`,
    );
  const feature = run.preprocessor.feature(name) as FittedCategorical & { vocab: string[] };
  return { feature, graphsage };
}

/** A copy of the preprocessing artifact whose item vocabulary ends with `tokens`, recorded as inductive. */
function extendedPreprocessor(
  json: PreprocessJson,
  name: string,
  tokens: string[],
  source: InductiveLog,
): Preprocessor {
  const copy = structuredClone(json);
  const f = copy.features.find((x) => x.name === name) as FittedCategorical & {
    vocab: string[];
    pretrained: FittedPretrained;
  };
  f.vocab.push(...tokens);
  f.pretrained.inductive = { items: (f.pretrained.inductive?.items ?? 0) + tokens.length, ...source };
  return new Preprocessor(copy);
}

/** Table rows of the feature: the OOV row plus its (possibly extended) vocabulary. */
const vocabRows = (f: FittedCategorical) => f.vocab!.length + 1;

/**
 * The factor the run applied to the file's vectors (`rescale`), read back from the trained model: the frozen
 * table's rows of the file's items against the GraphSAGE model's own embeddings of them. It also checks that
 * this model wrote the run's vectors.
 */
function rescaleFactor(
  run: SavedRun,
  f: FittedCategorical & { vocab: string[] },
  sage: GraphSageModel,
  path: string,
): number {
  const table = run.model.store.tables().find((t) => t.group === pretrainedGroup(f.name))!;
  const Z = embedAll(sage),
    d = sage.dim;
  let zz = 0,
    tz = 0,
    tt = 0;
  for (let r = 1; r < vocabRows(f) && r <= 200; r++) {
    const node = nodeOf(sage.graph, 'item', f.vocab[r - 1]!);
    if (node === undefined) continue;
    for (let c = 0; c < d; c++) {
      const z = Z[node * d + c]!,
        t = table.data[r * d + c]!;
      zz += z * z;
      tz += t * z;
      tt += t * t;
    }
  }
  const factor = zz > 0 ? tz / zz : NaN;
  // Residual of table ≈ factor · Z, relative to the table's size: ~1e-7 when the model wrote the file.
  const residual = tt > 0 ? Math.sqrt(Math.max(0, tt - factor * tz) / tt) : NaN;
  if (!(residual < 1e-3))
    throw new MtrankError(
      `${path}: this GraphSAGE model did not write the vectors of features.${f.name} (its embeddings do not match the run's pretrained table)`,
    );
  return factor;
}

/** A copy of the run's model sized for `preprocessor`, with a row per vector appended to the item feature's tables. */
function extendedModel(
  run: SavedRun,
  preprocessor: Preprocessor,
  f: FittedCategorical,
  vectors: Float32Array[],
): MultiTaskModel {
  const spec = withPretrainedGroups(inputSpec(preprocessor), run.config.features);
  const model = createModel(run.config as ExperimentConfig, spec);
  const oldParams = new Map(run.model.store.params().map((p) => [p.name, p]));
  for (const p of model.store.params()) p.data.set(oldParams.get(p.name)!.data);
  const oldTables = new Map(run.model.store.tables().map((t) => [t.name, t]));
  for (const t of model.store.tables()) {
    const old = oldTables.get(t.name)!;
    t.data.set(old.data);
    if (t.vocab === old.vocab) continue;
    const d = t.dim;
    vectors.forEach((v, k) =>
      // The pretrained table gets the inductive vector; a learned table (concat) its OOV row.
      t.data.set(t.group === pretrainedGroup(f.name) ? v : old.data.subarray(0, d), (old.vocab + k) * d),
    );
  }
  return model;
}

/** The run's item feature when it names a GraphSAGE model (`pretrained.graphsage`), read from DIR/config.json. */
export function inductiveItemFeature(dir: string): string | undefined {
  try {
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      features?: Record<string, { role?: string; pretrained?: { graphsage?: unknown } }>;
    };
    return Object.entries(c.features ?? {}).find(([, f]) => f.role === 'item' && f.pretrained?.graphsage)?.[0];
  } catch {
    return undefined; // the command that loads the run reports a damaged config
  }
}

/** What export and serve print for such a run without --interactions. */
export const INDUCTIVE_NOTE =
  'note: items in neither the vocabulary nor the vector file read the out-of-vocabulary row; pass --interactions LOG to give the new items of LOG inductive GraphSAGE vectors';
