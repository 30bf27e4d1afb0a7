// `mtrank predict`: raw rows → the saved preprocessing → the saved model → per-task scores (and the fused
// score when the run has a fusion.json).
import { existsSync, readFileSync } from 'node:fs';
import { withConnection, queryRows } from '../util/duckdb.js';
import { expandSource, readerSql } from '../data/sources.js';
import type { EncodedSplit } from '../data/types.js';
import { fusedScore, parseForm } from '../fusion/forms.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';
import { predictSplit } from '../training/evaluation.js';
import { vectorSources } from '../features/pretrained.js';
import { runPaths } from '../training/run-dir.js';
import { loadSavedRun, type SavedRun } from '../training/saved-run.js';

/**
 * Raw rows (column → value) encoded in JS with the run's preprocessing artifact into one split (no labels);
 * `encodeRows` (src/data/infer.ts) does the same through DuckDB for files and labelled rows.
 */
export function encodeRecords(run: SavedRun, rows: Record<string, unknown>[], file = 'input'): EncodedSplit {
  const p = run.preprocessor,
    n = rows.length,
    D = p.denseNames.length;
  const cats = p.categoricalFeatures,
    multis = p.multiFeatures;
  const catIds = cats.map(() => new Int32Array(n));
  const bags = multis.map(() => ({ offsets: new Int32Array(n + 1), ids: [] as number[] }));
  const dense = new Float32Array(n * D);
  rows.forEach((raw, r) => {
    let e;
    try {
      e = p.encodeRow(raw, { row: r + 1 });
    } catch (err) {
      throw err instanceof MtrankError ? new MtrankError(`${file}: ${err.message}`) : err;
    }
    e.categorical.forEach((id, k) => {
      catIds[k]![r] = id;
    });
    e.multi.forEach((ids, k) => {
      const b = bags[k]!;
      b.ids.push(...ids);
      b.offsets[r + 1] = b.ids.length;
    });
    dense.set(e.dense, r * D);
  });
  const spec = run.model.tasks;
  return {
    rows: n,
    categorical: cats.map((f, k) => ({ name: f.name, ids: catIds[k]!, vocabSize: 0, dim: f.dim })),
    multi: multis.map((f, k) => ({
      name: f.name,
      offsets: bags[k]!.offsets,
      ids: Int32Array.from(bags[k]!.ids),
      vocabSize: 0,
      dim: f.dim,
      pooling: f.pooling,
    })),
    dense,
    denseNames: p.denseNames,
    labels: Object.fromEntries(spec.map((t) => [t, new Uint8Array(0)])),
  };
}

/** Where a feature's IDs got their vectors: trained row, row appended from a pretrained file, or the OOV row. */
export interface VectorSourceCount {
  feature: string;
  trained: number;
  pretrained: number;
  oov: number;
}
export interface PredictResult {
  rows: number;
  tasks: string[];
  fused: boolean;
  sources: VectorSourceCount[];
}

/** Per-task probabilities of raw rows, plus the fused score when the run has a fusion.json. */
export interface RowScores {
  tasks: Record<string, Float32Array>;
  fused?: Float64Array;
}

export function scoreRecords(run: SavedRun, rows: Record<string, unknown>[], file = 'input'): RowScores {
  return scoresOf(run, predictSplit(run.model, encodeRecords(run, rows, file)));
}

function scoresOf(run: SavedRun, probs: Float32Array[]): RowScores {
  const tasks = Object.fromEntries(run.model.tasks.map((t, k) => [t, probs[k]!]));
  const fusion = readFusion(runPaths(run.dir).fusion, run.model.tasks);
  if (!fusion) return { tasks };
  const n = probs[0]?.length ?? 0,
    fused = new Float64Array(n),
    p = new Float64Array(probs.length);
  for (let i = 0; i < n; i++) {
    probs.forEach((col, t) => {
      p[t] = col[i]!;
    });
    fused[i] = fusedScore(fusion.form, fusion.weights, p);
  }
  return { tasks, fused };
}

export async function predictFile(dir: string, input: string, output: string): Promise<PredictResult> {
  const run = loadSavedRun(dir);
  if (!existsSync(input)) throw new MtrankError(`${input}: file not found`);
  const rows = await withConnection(async (c) => {
    const files = await expandSource(c, input, run.config.data);
    const out: Record<string, unknown>[] = [];
    for (const f of files) out.push(...(await queryRows(c, `SELECT * FROM ${readerSql(f)}`)));
    return out;
  });
  if (rows.length === 0) throw new MtrankError(`${input}: no rows to score`);
  const encoded = encodeRecords(run, rows, input);
  const { tasks, fused } = scoresOf(run, predictSplit(run.model, encoded));
  const columns = Object.values(tasks);
  const head = run.model.tasks.map((t) => `p_${t}`);
  if (fused) head.push('score');
  const lines = [head.join(',')];
  for (let i = 0; i < rows.length; i++) {
    const cells = columns.map((col) => fmt(col[i]!));
    if (fused) cells.push(fmt(fused[i]!));
    lines.push(cells.join(','));
  }
  writeFileAtomic(output, lines.join('\n') + '\n');
  return { rows: rows.length, tasks: run.model.tasks, fused: fused !== undefined, sources: sourceCounts(run, encoded) };
}

/** For the item feature and every pretrained one: how many rows found a trained row, a pretrained row, the OOV row. */
function sourceCounts(run: SavedRun, encoded: EncodedSplit): VectorSourceCount[] {
  const item = run.preprocessor.json.itemFeature;
  return run.preprocessor.categoricalFeatures.flatMap((f, k) => {
    if (f.kind !== 'categorical' || !f.vocab || (f.name !== item && !f.pretrained)) return [];
    return [{ feature: f.name, ...vectorSources(f, encoded.categorical[k]!.ids) }];
  });
}

/** fusion.json's form and weights in task order, or null when fusion has not run. */
function readFusion(path: string, tasks: string[]): { form: ReturnType<typeof parseForm>; weights: number[] } | null {
  if (!existsSync(path)) return null;
  const f = JSON.parse(readFileSync(path, 'utf8')) as { form?: string; weights?: Record<string, number> };
  if (!f.weights || typeof f.form !== 'string')
    throw new MtrankError(`${path}: expected { form, weights } (written by 'mtrank fuse --run')`);
  return { form: parseForm(f.form), weights: tasks.map((t) => f.weights![t] ?? 0) };
}

const fmt = (x: number) => String(Number(x.toPrecision(7)));
