// A run's outputs from its model's raw probabilities: per task calibrated by calibration.json (when the run has
// one), and the fused score of fusion.json on the probabilities fuse searched on (raw or calibrated). What
// `mtrank predict`, the ranker, the server and `mtrank export --verify` all compute, so they cannot drift.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MtrankError } from '../util/errors.js';
import { readFusion, type FusedOn } from './artifact.js';
import { loadCalibration, taskCalibrator, type CalibrationFile } from './calibration.js';
import { FORM_DEFS, fusedColumn, type FormParams, type FusionForm } from './forms.js';
import { valueColumn } from './value-column.js';

export interface OutputSpec {
  tasks: readonly string[];
  /** Per task (task order): raw → calibrated probability; null when the run has no calibration.json. */
  calibrators: ((p: number) => number)[] | null;
  calibration: CalibrationFile | null;
  /** Weights in task order. */
  fusion: { form: FusionForm; weights: number[]; probabilities: FusedOn; params: FormParams } | null;
}

export interface RunOutputs {
  /** Per task (task order): the calibrated probability, or the raw one without calibration. */
  tasks: Float32Array[];
  /** The fused score; null without fusion.json. */
  fused: Float64Array | null;
}

/** fusion.json and calibration.json of a run (or export) directory, checked against each other and the tasks. */
export function readOutputSpec(dir: string, fusionPath: string, tasks: string[]): OutputSpec {
  const fusion = readFusion(fusionPath, tasks);
  const calPath = join(dir, 'calibration.json');
  const calibration = existsSync(calPath) ? loadCalibration(calPath) : null;
  if (fusion?.probabilities === 'calibrated' && !calibration)
    throw new MtrankError(
      `${fusionPath}: fused on calibrated probabilities, but ${calPath} is missing`,
      undefined,
      'data',
    );
  // A task the file does not cover is an error now, not a raw probability at the first request.
  const calibrators = calibration ? tasks.map((t) => taskCalibrator(calibration, t, calPath)) : null;
  return { tasks, calibrators, calibration, fusion };
}

/**
 * The rows' business value when the spec's fusion form multiplies it in (expected-value, fusion.json params.value),
 * else undefined; a `context` field counts for every row that lacks it.
 */
export function outputValue(
  spec: OutputSpec,
  rows: readonly Record<string, unknown>[],
  label: string,
  context?: Record<string, unknown>,
): Float64Array | undefined {
  const f = spec.fusion;
  if (!f || !FORM_DEFS[f.form].usesValue) return undefined;
  const col = f.params.value!;
  return valueColumn(context ? rows.map((r) => ({ [col]: r[col] ?? context[col] })) : rows, col, label);
}

/** `value`: the rows' business value, for a form that multiplies it in (outputValue). */
export function runOutputs(spec: OutputSpec, raw: readonly Float32Array[], value?: Float64Array): RunOutputs {
  const cal = spec.calibrators;
  const tasks = cal ? raw.map((p, k) => Float32Array.from(p, cal[k]!)) : [...raw];
  const f = spec.fusion;
  if (!f) return { tasks, fused: null };
  return {
    tasks,
    fused: fusedColumn(f.form, f.weights, f.probabilities === 'calibrated' ? tasks : raw, f.params, value),
  };
}
