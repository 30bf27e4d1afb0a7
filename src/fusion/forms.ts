/**
 * Fusion forms. Both become a weighted sum over prepared columns, so one fast kernel serves both:
 * - linear:  s = Σ wᵢ·pᵢ
 * - product: s = Π pᵢ^wᵢ, ranked through its logarithm Σ wᵢ·log pᵢ (log is increasing, so the ranking and every
 *   AUC are the same); probabilities are floored at PRODUCT_FLOOR first, so a 0 does not turn into −∞.
 * Either form is invariant to scaling w by a positive constant, which is what lets the grid evaluate each
 * direction once.
 */
import { FUSION_FORMS } from '../config/schema.js';
import { MtrankError } from '../util/errors.js';

export type FusionForm = (typeof FUSION_FORMS)[number];
export const FORMS: readonly FusionForm[] = FUSION_FORMS;
export const PRODUCT_FLOOR = 1e-12;

export function parseForm(s: string): FusionForm {
  if ((FORMS as readonly string[]).includes(s)) return s as FusionForm;
  throw new MtrankError(`fuse: unknown form '${s}' (expected ${FORMS.join(' or ')})`);
}

/** The column the weighted sum runs over: the score itself, or its (floored) logarithm. */
export function prepareColumn(
  form: FusionForm,
  p: Float64Array,
  out: Float64Array = new Float64Array(p.length),
): Float64Array {
  if (form === 'linear') {
    out.set(p);
    return out;
  }
  for (let i = 0; i < p.length; i++) out[i] = Math.log(p[i] > PRODUCT_FLOOR ? p[i] : PRODUCT_FLOOR);
  return out;
}

/**
 * out = Σ w[t]·cols[t] over the non-zero weights, added in task order (so every thread computes bit-identical
 * scores, and the same numbers as numpy's w0*c0 + w1*c1 + w2*c2). −0 becomes +0 (FastAuc buckets by bit pattern). Returns the exact min and max.
 * One fused pass for up to three non-zero weights (the common case); more fall back to pass-per-task.
 */
export function fuseInto(
  weights: ArrayLike<number>,
  cols: readonly Float64Array[],
  out: Float64Array,
): { min: number; max: number } {
  const ws: number[] = [],
    cs: Float64Array[] = [];
  for (let t = 0; t < cols.length; t++)
    if (weights[t] !== 0) {
      ws.push(weights[t]);
      cs.push(cols[t]);
    }
  if (ws.length === 0) {
    out.fill(0);
    return { min: 0, max: 0 };
  }
  if (ws.length === 1) return fuse1(ws[0], cs[0], out);
  if (ws.length === 2) return fuse2(ws[0], cs[0], ws[1], cs[1], out);
  if (ws.length === 3) return fuse3(ws[0], cs[0], ws[1], cs[1], ws[2], cs[2], out);
  for (let i = 0; i < out.length; i++) out[i] = ws[0] * cs[0][i];
  for (let k = 1; k < ws.length; k++) {
    const w = ws[k],
      c = cs[k];
    for (let i = 0; i < out.length; i++) out[i] += w * c[i];
  }
  for (let i = 0; i < out.length; i++) out[i] += 0;
  return range(out);
}

function fuse1(a: number, x: Float64Array, out: Float64Array) {
  let min = Infinity,
    max = -Infinity;
  for (let i = 0; i < out.length; i++) {
    const v = a * x[i] + 0;
    out[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function fuse2(a: number, x: Float64Array, b: number, y: Float64Array, out: Float64Array) {
  let min = Infinity,
    max = -Infinity;
  for (let i = 0; i < out.length; i++) {
    const v = a * x[i] + b * y[i] + 0;
    out[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function fuse3(a: number, x: Float64Array, b: number, y: Float64Array, c: number, z: Float64Array, out: Float64Array) {
  let min = Infinity,
    max = -Infinity;
  for (let i = 0; i < out.length; i++) {
    const v = a * x[i] + b * y[i] + c * z[i] + 0;
    out[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function range(a: Float64Array): { min: number; max: number } {
  let min = Infinity,
    max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** The fused score a serving path computes from per-task probabilities (the product form as a real product). */
export function fusedScore(form: FusionForm, weights: ArrayLike<number>, probs: ArrayLike<number>): number {
  if (form === 'linear') {
    let s = 0;
    for (let t = 0; t < probs.length; t++) s += weights[t] * probs[t];
    return s;
  }
  let s = 1;
  for (let t = 0; t < probs.length; t++) s *= Math.pow(Math.max(probs[t], PRODUCT_FLOOR), weights[t]);
  return s;
}

/** fusedScore for every row of per-task probability columns (predict, serve, export verification). */
export function fusedColumn(
  form: FusionForm,
  weights: ArrayLike<number>,
  probs: readonly ArrayLike<number>[],
): Float64Array {
  const n = probs[0]?.length ?? 0,
    out = new Float64Array(n),
    p = new Float64Array(probs.length);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < p.length; t++) p[t] = probs[t]![i]!;
    out[i] = fusedScore(form, weights, p);
  }
  return out;
}
