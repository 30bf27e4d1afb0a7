/**
 * `mtrank calibrate --run DIR`: undo each task's label weight (read from the run's metrics.jsonl), optionally
 * fit Platt or isotonic on predictions/valid.csv, measure the expected calibration error before and after on
 * predictions/test.csv (valid when there is no test split), and write DIR/calibration.json atomically.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { didYouMean } from '../config/suggest.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';
import {
  CALIBRATION_METHODS,
  calibrate,
  fitIsotonic,
  fitPlatt,
  reliability,
  undoLabelWeight,
  type CalibrationFile,
  type CalibrationMethod,
  type TaskCalibration,
} from './calibration.js';
import type { ScoreSplit } from './fuse.js';
import { labelledTask } from './missing-labels.js';
import { detectTasks, readScores } from './load.js';
import { staleFusionNote } from './stale-fusion.js';

export interface CalibrateCommandOptions {
  run: string;
  method: string;
}

export function parseMethod(s: string): CalibrationMethod {
  if ((CALIBRATION_METHODS as readonly string[]).includes(s)) return s as CalibrationMethod;
  throw new MtrankError(
    `calibrate: unknown method '${s}'${didYouMean(s, CALIBRATION_METHODS)} (expected ${CALIBRATION_METHODS.join(', ')})`,
  );
}

/** The label weights the run trained with: metrics.jsonl's labelWeights record (resolves 'auto'). */
export function runLabelWeights(dir: string): Record<string, number> {
  const log = join(dir, 'metrics.jsonl');
  if (!existsSync(log)) throw new MtrankError(`calibrate: ${log}: no such file (train the run first)`);
  const lines = readFileSync(log, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].includes('"labelWeights"')) continue;
    const rec = JSON.parse(lines[i]) as { type?: string; weights?: Record<string, unknown> };
    if (rec.type !== 'labelWeights') continue;
    const out: Record<string, number> = {};
    for (const [t, w] of Object.entries(rec.weights ?? {})) {
      if (typeof w !== 'number' || !(w > 0))
        throw new MtrankError(`${log}: line ${i + 1}: labelWeights.${t}: expected a positive number`);
      out[t] = w;
    }
    return out;
  }
  throw new MtrankError(`calibrate: ${log}: no labelWeights record`);
}

/** Fits one task on the search split and measures ECE on the evaluation split. */
export function calibrateTask(
  method: CalibrationMethod,
  labelWeight: number,
  fit: { p: Float64Array; y: Uint8Array },
  check: { p: Float64Array; y: Uint8Array; split: string },
): TaskCalibration {
  const q = fit.p.map((p) => undoLabelWeight(p, labelWeight));
  const c: TaskCalibration = { labelWeight, method };
  if (method === 'platt') c.platt = fitPlatt(q, fit.y);
  if (method === 'isotonic') c.isotonic = fitIsotonic(q, fit.y);
  const before = reliability(check.p, check.y),
    after = reliability(
      check.p.map((p) => calibrate(c, p)),
      check.y,
    );
  return {
    ...c,
    ece: { split: check.split, before: before.ece, after: after.ece },
    reliability: { before: before.bins, after: after.bins },
  };
}

/** `note`: the line saying the run's fusion.json predates this calibration (staleFusionNote), when it does. */
export async function runCalibrateCommand(
  o: CalibrateCommandOptions,
): Promise<{ file: CalibrationFile; path: string; note?: string }> {
  const method = parseMethod(o.method);
  const validPath = join(o.run, 'predictions', 'valid.csv'),
    testPath = join(o.run, 'predictions', 'test.csv');
  if (!existsSync(validPath)) throw new MtrankError(`calibrate: ${validPath}: no such file (train the run first)`);
  const weights = runLabelWeights(o.run);
  const tasks = await detectTasks(validPath);
  const valid = await readScores(validPath, tasks);
  const test: ScoreSplit | undefined = existsSync(testPath) ? await readScores(testPath, tasks) : undefined;
  const out: CalibrationFile = { version: 1, fittedOn: validPath, tasks: {} };
  tasks.forEach((t, k) => {
    const w = weights[t];
    if (w === undefined) throw new MtrankError(`calibrate: no label weight for task '${t}' in ${o.run}/metrics.jsonl`);
    const check = test ?? valid;
    // Fitted and checked on the task's labelled rows (missing labels left out).
    const fit = labelledTask(valid.scores[k], valid.labels[k]),
      held = labelledTask(check.scores[k], check.labels[k]);
    out.tasks[t] = calibrateTask(
      method,
      w,
      { p: fit.score, y: fit.labels },
      { p: held.score, y: held.labels, split: test ? 'test' : 'valid' },
    );
  });
  const path = join(o.run, 'calibration.json');
  const text = `${JSON.stringify(out, null, 2)}\n`;
  const changed = !existsSync(path) || readFileSync(path, 'utf8') !== text;
  writeFileAtomic(path, text);
  const identity = method === 'analytic' && tasks.every((t) => weights[t] === 1);
  return { file: out, path, note: staleFusionNote(o.run, { changed, identity }) };
}

/** Applies the file's calibration to a split's score columns (what fuse searches on when the run has one). */
export function calibrateSplit(file: CalibrationFile, tasks: string[], s: ScoreSplit, path: string): ScoreSplit {
  const scores = tasks.map((t, k) => {
    const c = file.tasks[t];
    if (!c) throw new MtrankError(`${path}: no calibration for task '${t}'`);
    return s.scores[k].map((p) => calibrate(c, p));
  });
  return { ...s, scores };
}

export function formatCalibration(file: CalibrationFile, path: string): string {
  const lines = [`calibration (${Object.values(file.tasks)[0]?.method ?? ''}), fitted on ${file.fittedOn}:`];
  for (const [t, c] of Object.entries(file.tasks))
    lines.push(
      `  ${t.padEnd(10)} label weight ${+c.labelWeight.toFixed(3)}   ECE on ${c.ece?.split} ${c.ece?.before.toFixed(5)} → ${c.ece?.after.toFixed(5)}`,
    );
  lines.push(`saved ${path}`);
  return lines.join('\n');
}
