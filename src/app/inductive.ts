// Truly new items at predict time: an item in neither the training vocabulary nor the vector file, but with
// observed interactions (`mtrank predict --interactions LOG`), gets an inductive GraphSAGE vector computed from the
// users it interacted with (embedNewNode), when the run's item feature names the GraphSAGE model that wrote its
// vectors (`pretrained.graphsage`). The saved model is copied into one whose item tables have a row per such
// item: the frozen pretrained table gets the inductive vector (times the run's rescale factor), a learned table
// beside it (concat) its OOV row — what an ID appended from the vector file reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import type { EncodedSplit } from '../data/types.js';
import type { FittedCategorical } from '../features/preprocessor.js';
import { createModel } from '../models/index.js';
import type { MultiTaskModel } from '../models/model.js';
import { embedAll, embedNewNode, type GraphSageModel } from '../pretrain/graphsage.js';
import { loadGraphSage } from '../pretrain/graphsage-io.js';
import { nodeOf } from '../pretrain/graph.js';
import { readInteractionLog } from '../pretrain/log.js';
import { pretrainedGroup } from '../pretrain/modes.js';
import { withPretrainedGroups } from '../pretrain/pipeline.js';
import { inputSpec, type SavedRun } from '../training/saved-run.js';
import { MtrankError } from '../util/errors.js';

export interface InductiveItems {
  model: MultiTaskModel;
  encoded: EncodedSplit;
  /** Input rows whose item got an inductive vector. */
  rows: number;
  /** Distinct such items. */
  items: number;
}

/**
 * `encoded` with the new items' ids pointing at rows appended for them, and the model with those rows; unchanged
 * (same objects, rows 0) when no input row has a new item with a known user in `interactions`.
 */
export async function withInductiveItems(
  run: SavedRun,
  rows: Record<string, unknown>[],
  encoded: EncodedSplit,
  interactions: string,
): Promise<InductiveItems> {
  const { feature: f, column, graphsage } = itemSetup(run);
  const log = await readInteractionLog(interactions, { user: graphsage.user, item: f.column });
  const sage = loadGraphSage(graphsage.model);
  if (sage.dim !== f.dim)
    throw new MtrankError(
      `${graphsage.model}: GraphSAGE vectors have dimension ${sage.dim}, features.${f.name}.embeddingDim is ${f.dim}`,
    );
  const usersOf = new Map<string, number[]>();
  log.items.forEach((item, k) => {
    const node = nodeOf(sage.graph, 'user', log.users[k]!);
    if (node === undefined) return; // a user the graph does not know carries no signal
    const list = usersOf.get(item) ?? [];
    list.push(node);
    usersOf.set(item, list);
  });
  const ids = encoded.categorical[column]!.ids;
  const newRow = new Map<string, number>(); // token → index among the appended rows
  let count = 0;
  const out = Int32Array.from(ids);
  rows.forEach((r, i) => {
    const raw = r[f.column];
    if (ids[i] !== 0 || raw === null || raw === undefined || raw === '') return;
    const token = String(raw);
    if (!usersOf.has(token)) return;
    if (!newRow.has(token)) newRow.set(token, newRow.size);
    out[i] = vocabRows(f) + newRow.get(token)!;
    count++;
  });
  if (newRow.size === 0) return { model: run.model, encoded, rows: 0, items: 0 };

  const factor = rescaleFactor(run, f, sage, graphsage.model);
  const vectors = [...newRow.keys()].map((t) => embedNewNode(sage, usersOf.get(t)!).map((x) => x * factor));
  const model = extendedModel(run, f, vectors);
  const categorical = encoded.categorical.map((c, k) => (k === column ? { ...c, ids: out } : c));
  return { model, encoded: { ...encoded, categorical }, rows: count, items: newRow.size };
}

function itemSetup(run: SavedRun) {
  const name = run.preprocessor.json.itemFeature;
  const conf = name ? run.config.features[name] : undefined;
  const graphsage = conf?.type === 'categorical' ? conf.pretrained?.graphsage : undefined;
  if (!name || !graphsage)
    throw new MtrankError(
      `--interactions: the run's item feature has no pretrained.graphsage model to embed new items with (${run.dir}/config.json)`,
    );
  const column = run.preprocessor.categoricalFeatures.findIndex((f) => f.name === name);
  const feature = run.preprocessor.categoricalFeatures[column] as FittedCategorical & { vocab: string[] };
  return { feature, column, graphsage };
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

/** A copy of the run's model with `vectors.length` rows appended to the item feature's tables. */
function extendedModel(run: SavedRun, f: FittedCategorical, vectors: Float32Array[]): MultiTaskModel {
  const extra = vectors.length,
    rows = vocabRows(f);
  const spec = inputSpec(run.preprocessor);
  const wider = {
    ...spec,
    categorical: spec.categorical.map((c) => (c.name === f.name ? { ...c, vocabSize: c.vocabSize + extra } : c)),
  };
  const model = createModel(run.config as ExperimentConfig, withPretrainedGroups(wider, run.config.features));
  const oldParams = new Map(run.model.store.params().map((p) => [p.name, p]));
  for (const p of model.store.params()) p.data.set(oldParams.get(p.name)!.data);
  const oldTables = new Map(run.model.store.tables().map((t) => [t.name, t]));
  for (const t of model.store.tables()) {
    const old = oldTables.get(t.name)!;
    t.data.set(old.data);
    if (t.vocab === old.vocab) continue;
    const d = t.dim;
    for (let k = 0; k < extra; k++) {
      // The pretrained table gets the inductive vector; a learned table (concat) its OOV row.
      const v = t.group === pretrainedGroup(f.name) ? vectors[k]! : old.data.subarray(0, d);
      t.data.set(v, (rows + k) * d);
    }
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

/** What export and serve print for such a run: they read the OOV row for new items, predict can do better. */
export const INDUCTIVE_NOTE =
  "note: items in neither the vocabulary nor the vector file read the out-of-vocabulary row here; only 'mtrank predict --interactions' gives them inductive GraphSAGE vectors";
