// `mtrank predict`: raw rows → the saved preprocessing → the saved model → per-task scores (and the fused
// score when the run has a fusion.json).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withConnection, queryRows } from '../data/duckdb.js';
import { expandSource, readerSql } from '../data/sources.js';
import type { EncodedSplit } from '../data/types.js';
import { loadCalibration, taskCalibrator } from '../fusion/calibration.js';
import { fusedScore, parseForm } from '../fusion/forms.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';
import { predictSplit } from './evaluation.js';
import { vectorSources } from '../features/pretrained.js';
import { runPaths } from './run-dir.js';
import { loadRun, type SavedRun } from './saved-run.js';

/** Raw rows (column → value) encoded with the run's preprocessing artifact into one split (no labels). */
export function encodeRows(run: SavedRun, rows: Record<string, unknown>[], file = 'input'): EncodedSplit {
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

export async function predictFile(dir: string, input: string, output: string): Promise<PredictResult> {
  const run = loadRun(dir);
  if (!existsSync(input)) throw new MtrankError(`${input}: file not found`);
  const rows = await withConnection(async (c) => {
    const files = await expandSource(c, input, run.config.data);
    const out: Record<string, unknown>[] = [];
    for (const f of files) out.push(...(await queryRows(c, `SELECT * FROM ${readerSql(f)}`)));
    return out;
  });
  if (rows.length === 0) throw new MtrankError(`${input}: no rows to score`);
  const encoded = encodeRows(run, rows, input);
  const probs = predictSplit(run.model, encoded);
  const fusion = readFusion(runPaths(dir).fusion, run.model.tasks);
  // calibration.json: p_<task> are calibrated probabilities; the fused score uses what fuse searched on.
  const calPath = join(dir, 'calibration.json');
  const calibration = loadCalibration(calPath);
  const calibrators = calibration ? run.model.tasks.map((t) => taskCalibrator(calibration, t, calPath)) : null;
  if (fusion?.probabilities === 'calibrated' && !calibrators)
    throw new MtrankError(`${runPaths(dir).fusion}: fused on calibrated probabilities, but ${calPath} is missing`);
  const head = run.model.tasks.map((t) => `p_${t}`);
  if (fusion) head.push('score');
  const lines = [head.join(',')];
  const p = new Float64Array(run.model.tasks.length);
  for (let i = 0; i < rows.length; i++) {
    const cells = probs.map((col, t) => fmt(calibrators ? calibrators[t](col[i]!) : col[i]!));
    if (fusion) {
      probs.forEach((col, t) => {
        p[t] = fusion.probabilities === 'calibrated' ? calibrators![t](col[i]!) : col[i]!;
      });
      cells.push(fmt(fusedScore(fusion.form, fusion.weights, p)));
    }
    lines.push(cells.join(','));
  }
  writeFileAtomic(output, lines.join('\n') + '\n');
  return { rows: rows.length, tasks: run.model.tasks, fused: fusion !== null, sources: sourceCounts(run, encoded) };
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
function readFusion(
  path: string,
  tasks: string[],
): { form: ReturnType<typeof parseForm>; weights: number[]; probabilities: string } | null {
  if (!existsSync(path)) return null;
  const f = JSON.parse(readFileSync(path, 'utf8')) as {
    form?: string;
    weights?: Record<string, number>;
    probabilities?: string;
  };
  if (!f.weights || typeof f.form !== 'string')
    throw new MtrankError(`${path}: expected { form, weights } (written by 'mtrank fuse --run')`);
  // fusion.json before calibration existed has no "probabilities": it was searched on raw outputs
  return {
    form: parseForm(f.form),
    weights: tasks.map((t) => f.weights![t] ?? 0),
    probabilities: f.probabilities ?? 'raw',
  };
}

const fmt = (x: number) => String(Number(x.toPrecision(7)));
