/**
 * Calibrated probabilities. A label weight w on positives trains the model towards odds w times the true odds,
 * so p' = p / (p + w·(1 − p)) undoes it exactly (odds' = odds / w). Optionally a per-task calibrator fitted on
 * the validation split follows: Platt scaling σ(a·logit(p') + b) or isotonic regression (pool adjacent
 * violators). The result is stored in the run as calibration.json; `calibrate(task, p)` is what predict, the
 * export and the server call.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { MtrankError } from '../util/errors.js';

export type CalibrationMethod = 'analytic' | 'platt' | 'isotonic';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['analytic', 'platt', 'isotonic'];

/** Probabilities are kept inside [EPS, 1 − EPS] before a logit (a 0 or 1 would be ±∞). */
export const LOGIT_EPS = 1e-12;
const EPS = LOGIT_EPS;

export const undoLabelWeight = (p: number, w: number): number => p / (p + w * (1 - p));

const logit = (p: number): number => {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export interface Platt {
  a: number;
  b: number;
}

/** Logistic regression of y on logit(p): Newton's method on the mean log loss, step halved until it decreases. */
export function fitPlatt(p: ArrayLike<number>, y: ArrayLike<number>): Platt {
  const n = p.length,
    x = Float64Array.from(p, logit);
  const loss = (a: number, b: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = a * x[i] + b;
      // log(1 + e^z) − y·z, stable for large |z|
      s += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i] * z;
    }
    return s / n;
  };
  let a = 1,
    b = 0,
    current = loss(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0,
      gb = 0,
      haa = 0,
      hab = 0,
      hbb = 0;
    for (let i = 0; i < n; i++) {
      const q = sigmoid(a * x[i] + b),
        r = q - y[i],
        v = q * (1 - q);
      ga += r * x[i];
      gb += r;
      haa += v * x[i] * x[i];
      hab += v * x[i];
      hbb += v;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-300)) break;
    let da = (hbb * ga - hab * gb) / det,
      db = (haa * gb - hab * ga) / det,
      step = 1;
    let next = loss(a - da, b - db);
    while (next > current && step > 1e-10) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (next > current) break;
    a -= step * da;
    b -= step * db;
    da *= step;
    db *= step;
    const gain = current - next;
    current = next;
    if (gain < 1e-15 && Math.abs(da) + Math.abs(db) < 1e-12) break;
  }
  return { a, b };
}

/** A non-decreasing step function: value y[k] from x[k] (inclusive) up to x[k + 1]; y[0] below x[0]. */
export interface Isotonic {
  x: number[];
  y: number[];
}

/** Least-squares non-decreasing fit of y on p (pool adjacent violators over p sorted, equal p pooled first). */
export function fitIsotonic(p: ArrayLike<number>, y: ArrayLike<number>): Isotonic {
  const order = Array.from({ length: p.length }, (_, i) => i).sort((i, j) => p[i] - p[j]);
  const start: number[] = [],
    sum: number[] = [],
    count: number[] = [];
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (start.length && p[order[k - 1]] === p[i]) {
      sum[sum.length - 1] += y[i];
      count[count.length - 1]++;
    } else {
      start.push(p[i]);
      sum.push(y[i]);
      count.push(1);
    }
    // merge while the last block's mean is below the one before it
    while (
      sum.length > 1 &&
      sum[sum.length - 1] * count[count.length - 2] < sum[sum.length - 2] * count[count.length - 1]
    ) {
      sum[sum.length - 2] += sum.pop()!;
      count[count.length - 2] += count.pop()!;
      start.pop();
    }
  }
  return { x: start, y: sum.map((s, k) => s / count[k]) };
}

function applyIsotonic(m: Isotonic, p: number): number {
  let lo = 0,
    hi = m.x.length - 1;
  if (p < m.x[0]) return m.y[0];
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (m.x[mid] <= p) lo = mid;
    else hi = mid - 1;
  }
  return m.y[lo];
}

export interface ReliabilityBin {
  /** Mean predicted probability of the bin, its label rate, and its row count. */
  p: number;
  rate: number;
  n: number;
}

/**
 * Expected calibration error over `bins` equal-count bins of the sorted predictions: Σ (n_b / n)·|mean p_b − rate_b|.
 * Equal-count, not equal-width: for a 0.1% event equal-width bins would put nearly every row in the first bin.
 */
export function reliability(
  p: ArrayLike<number>,
  y: ArrayLike<number>,
  bins = 10,
): { ece: number; bins: ReliabilityBin[] } {
  const n = p.length,
    order = Array.from({ length: n }, (_, i) => i).sort((i, j) => p[i] - p[j]);
  const out: ReliabilityBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * n) / bins),
      hi = Math.floor(((b + 1) * n) / bins);
    if (hi <= lo) continue;
    let sp = 0,
      sy = 0;
    for (let k = lo; k < hi; k++) {
      sp += p[order[k]];
      sy += y[order[k]];
    }
    const bin = { p: sp / (hi - lo), rate: sy / (hi - lo), n: hi - lo };
    out.push(bin);
    ece += (bin.n / n) * Math.abs(bin.p - bin.rate);
  }
  return { ece, bins: out };
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const TaskCalibrationSchema = z.object({
  labelWeight: finite.refine((w) => w > 0, 'expected a positive label weight'),
  method: z.enum(['analytic', 'platt', 'isotonic']),
  platt: z.object({ a: finite, b: finite }).optional(),
  isotonic: z
    .object({ x: z.array(finite).min(1), y: z.array(finite.refine((v) => v >= 0 && v <= 1, 'expected a probability')) })
    .refine((m) => m.x.length === m.y.length, 'x and y must have the same length')
    .refine((m) => m.x.every((v, k) => k === 0 || v > m.x[k - 1]), 'x must increase')
    .optional(),
  ece: z.object({ split: z.string(), before: finite, after: finite }).optional(),
  reliability: z
    .object({
      before: z.array(z.object({ p: finite, rate: finite, n: finite })),
      after: z.array(z.object({ p: finite, rate: finite, n: finite })),
    })
    .optional(),
});
const CalibrationFileSchema = z.object({
  version: z.literal(1),
  fittedOn: z.string(),
  tasks: z.record(z.string(), TaskCalibrationSchema),
});
export type TaskCalibration = z.infer<typeof TaskCalibrationSchema>;
export type CalibrationFile = z.infer<typeof CalibrationFileSchema>;

/** The calibrated probability of a task's raw model output p. */
export function calibrate(c: TaskCalibration, p: number): number {
  const q = undoLabelWeight(p, c.labelWeight);
  if (c.method === 'platt' && c.platt) return sigmoid(c.platt.a * logit(q) + c.platt.b);
  if (c.method === 'isotonic' && c.isotonic) return applyIsotonic(c.isotonic, q);
  return q;
}

/** calibration.json validated: an error names the file and the field. */
export function parseCalibration(json: unknown, file: string): CalibrationFile {
  const r = CalibrationFileSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new MtrankError(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  for (const [task, c] of Object.entries(r.data.tasks))
    if (c.method !== 'analytic' && !c[c.method])
      throw new MtrankError(`${file}: tasks.${task}: method '${c.method}' but no ${c.method} parameters`);
  return r.data;
}

/** The run's calibration.json, or null when the run has none. */
export function loadCalibration(path: string): CalibrationFile | null {
  if (!existsSync(path)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new MtrankError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseCalibration(json, path);
}

/** `calibrate` for a task of a loaded file; a task the file does not cover is an error, not a raw probability. */
export function taskCalibrator(file: CalibrationFile, task: string, path = 'calibration.json'): (p: number) => number {
  const c = file.tasks[task];
  if (!c)
    throw new MtrankError(`${path}: no calibration for task '${task}' (tasks: ${Object.keys(file.tasks).join(', ')})`);
  return (p) => calibrate(c, p);
}
