// `mtrank predict`: raw rows → the saved preprocessing → the saved model → per-task scores (and the fused
// score when the run has a fusion.json).
import { existsSync } from 'node:fs';
import { withConnection, queryRows } from '../util/duckdb.js';
import { checkCompressedSources, checkHeaderNames, expandSource, readerSql } from '../data/sources.js';
import type { EncodedSplit } from '../data/types.js';
import { outputValue, readOutputSpec, runOutputs } from '../fusion/outputs.js';
import { outputFormat, writeTable, type OutputColumn } from '../data/write-table.js';
import { MtrankError, withErrorKind } from '../util/errors.js';
import { predictSplit } from '../training/evaluation.js';
import { vectorSources } from '../features/pretrained.js';
import { runPaths } from '../training/run-dir.js';
import { loadSavedRun, unfinishedNote, type SavedRun } from '../training/saved-run.js';
import { encodeRecords } from '../training/records.js';
import { readFusion } from '../fusion/artifact.js';
import { withInductiveItems } from '../training/inductive-items.js';
import { counted } from '../util/plural.js';

export { encodeRecords, readFusion };

export interface VectorSourceCount {
  feature: string;
  trained: number;
  pretrained: number;
  /** Rows whose new item got an inductive GraphSAGE vector (`--interactions`, or an export made with it). */
  inductive: number;
  oov: number;
}
/**
 * The line `mtrank predict` prints per ID feature: where each row's vector came from. Kinds of source the run does not
 * have (no pretrained vectors, no inductive ones) are left out rather than printed as "0 with …".
 */
export function vectorSourceLine(s: VectorSourceCount): string {
  const parts = [
    `${counted(s.trained, 'row')} with a trained vector`,
    ...(s.pretrained ? [`${s.pretrained} with a pretrained-only vector`] : []),
    ...(s.inductive ? [`${s.inductive} new with an inductive GraphSAGE vector`] : []),
    `${s.oov} unknown or missing (out-of-vocabulary row)`,
  ];
  return `${s.feature}: ${parts.join(', ')}`;
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
  return scoresOf(run, predictSplit(run.model, encodeRecords(run, rows, file)), rows, file);
}

/** The run's own outputs (fusion/outputs.ts: calibrated per task, fused on the probabilities fuse searched on). */
function scoresOf(run: SavedRun, probs: Float32Array[], rows: Record<string, unknown>[], file: string): RowScores {
  const spec = readOutputSpec(run.dir, runPaths(run.dir).fusion, run.model.tasks);
  const out = runOutputs(spec, probs, outputValue(spec, rows, file));
  const tasks = Object.fromEntries(run.model.tasks.map((t, k) => [t, out.tasks[k]!]));
  return out.fused ? { tasks, fused: out.fused } : { tasks };
}

export interface PredictOptions {
  /** Input columns copied to the output in front of the scores (ids to join them back on). */
  keep?: string[];
  /** Score rows even when feature columns are absent (those features take their missing/default encoding). */
  allowMissing?: boolean;
  /** Warnings (unfinished run, absent columns); default stderr. */
  say?: (line: string) => void;
  /**
   * An interaction log (the item column and `pretrained.graphsage.user`): items in neither the vocabulary nor the
   * vector file get an inductive GraphSAGE vector from their users in it (src/training/inductive-items.ts).
   */
  interactions?: string;
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
  readFusion(runPaths(dir).fusion, run.model.tasks); // a damaged fusion.json fails before the input is read
  if (!existsSync(input)) throw new MtrankError(`${input}: file not found`);
  const { rows, columns } = await withErrorKind('data', () =>
    withConnection(async (c) => {
      const files = await expandSource(c, input, run.config.data);
      await checkCompressedSources(files);
      files.forEach(checkHeaderNames);
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
      `warning: ${counted(missing.length, 'feature column')} absent (${missing.join(', ')}): all ${counted(rows.length, 'row')} use their missing-value encoding`,
    );
  const absentKeep = (o.keep ?? []).filter((k) => !columns.includes(k));
  if (absentKeep.length > 0)
    throw new MtrankError(`--keep: ${input} has no column ${absentKeep.map((k) => `'${k}'`).join(', ')}`);
  // The new items of these rows that the log has get their own rows in a copy of the run (as export does).
  const item = run.preprocessor.json.itemFeature;
  const itemColumn = item && run.preprocessor.feature(item)?.column;
  const scored = o.interactions
    ? (await withInductiveItems(run, o.interactions, itemColumn ? rows.map((r) => r[itemColumn]) : [])).run
    : run;
  const encoded = encodeRecords(scored, rows, input);
  const scores = scoresOf(run, predictSplit(scored.model, encoded), rows, input);
  const out: OutputColumn[] = [
    ...(o.keep ?? []).map((k) => ({ name: k, type: 'text' as const, values: rows.map((r) => r[k]) })),
    ...run.model.tasks.map((t) => ({ name: `p_${t}`, type: 'float' as const, values: scores.tasks[t]! })),
  ];
  if (scores.fused) out.push({ name: 'score', type: 'float', values: Float32Array.from(scores.fused) });
  await withErrorKind('io', () => writeTable(output, out, rows.length));
  return {
    rows: rows.length,
    tasks: run.model.tasks,
    fused: scores.fused !== undefined,
    sources: sourceCounts(scored, encoded),
  };
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
