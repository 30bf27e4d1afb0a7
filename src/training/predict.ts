// `mtrank predict`: raw rows → the saved preprocessing → the saved model → per-task scores (and the fused
// score when the run has a fusion.json).
import { existsSync, readFileSync } from 'node:fs';
import { withConnection, queryRows } from '../data/duckdb.js';
import { checkCompressedSources, expandSource, readerSql } from '../data/sources.js';
import type { EncodedSplit } from '../data/types.js';
import { FORMS, fusedScore, type FusionForm } from '../fusion/forms.js';
import { outputFormat, writeTable, type OutputColumn } from '../data/write-table.js';
import { MtrankError, withErrorKind } from '../util/errors.js';
import { predictSplit } from './evaluation.js';
import { vectorSources } from '../features/pretrained.js';
import { runPaths } from './run-dir.js';
import { loadSavedRun, unfinishedNote, type SavedRun } from './saved-run.js';

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

export interface PredictOptions {
  /** Input columns copied to the output in front of the scores (ids to join them back on). */
  keep?: string[];
  /** Score rows even when feature columns are absent (those features take their missing/default encoding). */
  allowMissing?: boolean;
  /** Warnings (unfinished run, absent columns); default stderr. */
  say?: (line: string) => void;
}

export async function predictFile(
  dir: string,
  input: string,
  output: string,
  o: PredictOptions = {},
): Promise<PredictResult> {
  const say = o.say ?? ((l: string) => process.stderr.write(`${l}\n`));
  outputFormat(output); // refuse an unwritable extension before any work
  const run = loadSavedRun(dir);
  const note = unfinishedNote(run);
  if (note) say(note);
  const fusion = readFusion(runPaths(dir).fusion, run.model.tasks);
  if (!existsSync(input)) throw new MtrankError(`${input}: file not found`);
  const { rows, columns } = await withErrorKind('data', () =>
    withConnection(async (c) => {
      const files = await expandSource(c, input, run.config.data);
      await checkCompressedSources(files);
      const out: Record<string, unknown>[] = [];
      let columns: string[] | null = null;
      for (const f of files) {
        const sql = `SELECT * FROM ${readerSql(f)}`;
        columns ??= (await queryRows(c, `DESCRIBE ${sql}`)).map((r) => String(r.column_name));
        out.push(...(await queryRows(c, sql)));
      }
      return { rows: out, columns: columns ?? [] };
    }),
  );
  if (rows.length === 0) throw new MtrankError(`${input}: no rows to score`, undefined, 'data');
  const missing = missingFeatureColumns(run, columns);
  if (missing.length > 0 && !o.allowMissing)
    throw new MtrankError(
      `${input}: missing feature column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} that the model reads; add ${missing.length > 1 ? 'them' : 'it'}, or pass --allow-missing to score with their missing-value encoding`,
      undefined,
      'data',
    );
  if (missing.length > 0)
    say(
      `warning: ${missing.length} feature column(s) absent (${missing.join(', ')}): all ${rows.length} rows use their missing-value encoding`,
    );
  const absentKeep = (o.keep ?? []).filter((k) => !columns.includes(k));
  if (absentKeep.length > 0)
    throw new MtrankError(`--keep: ${input} has no column ${absentKeep.map((k) => `'${k}'`).join(', ')}`);
  const encoded = encodeRecords(run, rows, input);
  const probs = predictSplit(run.model, encoded);
  const out: OutputColumn[] = [
    ...(o.keep ?? []).map((k) => ({ name: k, type: 'text' as const, values: rows.map((r) => r[k]) })),
    ...run.model.tasks.map((t, k) => ({ name: `p_${t}`, type: 'float' as const, values: probs[k]! })),
  ];
  if (fusion) {
    const fused = new Float32Array(rows.length);
    const p = new Float64Array(run.model.tasks.length);
    for (let i = 0; i < rows.length; i++) {
      for (let t = 0; t < p.length; t++) p[t] = probs[t]![i]!;
      fused[i] = fusedScore(fusion.form, fusion.weights, p);
    }
    out.push({ name: 'score', type: 'float', values: fused });
  }
  await withErrorKind('io', () => writeTable(output, out, rows.length));
  return { rows: rows.length, tasks: run.model.tasks, fused: fusion !== null, sources: sourceCounts(run, encoded) };
}

/** Input columns of the model's features that the file lacks. */
function missingFeatureColumns(run: SavedRun, columns: string[]): string[] {
  const have = new Set(columns);
  const needed = run.preprocessor.json.features.filter((f) => f.input).map((f) => f.column);
  return [...new Set(needed)].filter((c) => !have.has(c));
}

/** For the item feature and every pretrained one: how many rows found a trained row, a pretrained row, the OOV row. */
function sourceCounts(run: SavedRun, encoded: EncodedSplit): VectorSourceCount[] {
  const item = run.preprocessor.json.itemFeature;
  return run.preprocessor.categoricalFeatures.flatMap((f, k) => {
    if (f.kind !== 'categorical' || !f.vocab || (f.name !== item && !f.pretrained)) return [];
    return [{ feature: f.name, ...vectorSources(f, encoded.categorical[k]!.ids) }];
  });
}

/** fusion.json's form and weights in task order (validated), or null when fusion has not run. */
export function readFusion(path: string, tasks: string[]): { form: FusionForm; weights: number[] } | null {
  if (!existsSync(path)) return null;
  const bad = (why: string) =>
    new MtrankError(
      `${path}: damaged fusion artifact (${why}); rerun 'mtrank fuse --run' or delete it`,
      undefined,
      'data',
    );
  let f: { form?: unknown; weights?: unknown };
  try {
    f = JSON.parse(readFileSync(path, 'utf8')) as typeof f;
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (typeof f !== 'object' || f === null) throw bad('expected { form, weights }');
  if (!FORMS.includes(f.form as FusionForm))
    throw bad(`form must be ${FORMS.join(' or ')}, got ${JSON.stringify(f.form)}`);
  const w = f.weights as Record<string, unknown> | undefined;
  if (typeof w !== 'object' || w === null) throw bad('no weights');
  const weights = tasks.map((t) => {
    const x = w[t];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
      throw bad(`weights.${t} must be a finite number ≥ 0, got ${JSON.stringify(x)}`);
    return x;
  });
  if (weights.every((x) => x === 0)) throw bad('every weight is 0');
  return { form: f.form as FusionForm, weights };
}
