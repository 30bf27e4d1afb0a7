/**
 * Fusion forms (one file each under forms/): linear Σ wᵢ·pᵢ, product Π pᵢ^wᵢ, ensemble Π (bᵢ + pᵢ)^wᵢ, rank
 * Σ wᵢ·pct(pᵢ) and expected-value v·Π pᵢ^wᵢ. Each is searched as a weighted sum over prepared columns (plus a fixed
 * term for expected-value), so one fast kernel serves all; fusedColumn is the deployed score predict, the ranker
 * and export verification compute, and it ranks rows exactly as the searched sum does.
 */
import { FUSION_FORMS } from '../config/schema.js';
import { didYouMean } from '../config/suggest.js';
import { MtrankError } from '../util/errors.js';
import { ensembleForm } from './forms/ensemble.js';
import { expectedValueForm } from './forms/expected-value.js';
import { linearForm } from './forms/linear.js';
import { productForm } from './forms/product.js';
import { rankForm } from './forms/rank.js';
import type { FormDef, FormParams, FusionForm } from './forms/types.js';

export type { FormParams, FusionForm } from './forms/types.js';
export { PRODUCT_FLOOR } from './forms/types.js';
export const FORMS: readonly FusionForm[] = FUSION_FORMS;

/** One definition per name of the config's FUSION_FORMS. */
export const FORM_DEFS: Record<FusionForm, FormDef> = {
  linear: linearForm,
  product: productForm,
  ensemble: ensembleForm,
  rank: rankForm,
  'expected-value': expectedValueForm,
};

export function parseForm(s: string): FusionForm {
  if ((FORMS as readonly string[]).includes(s)) return s as FusionForm;
  throw new MtrankError(`fuse: unknown form '${s}'${didYouMean(s, FORMS)} (expected one of ${FORMS.join(', ')})`);
}

/** The column the weighted sum runs over for the linear and product forms (task-independent ones). */
export function prepareColumn(
  form: FusionForm,
  p: Float64Array,
  out: Float64Array = new Float64Array(p.length),
): Float64Array {
  out.set(FORM_DEFS[form].prepare(p, 0, {}));
  return out;
}

/** What the search scores for a form: Σ w[t]·columns[t], plus `offset` (weight 1) when the form has a fixed term. */
export interface PreparedScores {
  columns: Float64Array[];
  offset?: Float64Array;
}

export function prepareScores(
  form: FusionForm,
  params: FormParams,
  scores: readonly Float64Array[],
  value?: Float64Array,
): PreparedScores {
  const def = FORM_DEFS[form];
  const columns = scores.map((p, t) => def.prepare(p, t, params));
  if (!def.offset) return { columns };
  if (!value) throw new MtrankError(`fuse: the ${form} form needs a value column (--value <column>)`);
  return { columns, offset: def.offset(value) };
}

/** The searched sum of one weight vector, materialised (bootstrap, tests): fuseInto plus the fixed term. */
export function searchedScore(weights: ArrayLike<number>, prepared: PreparedScores, out: Float64Array): Float64Array {
  fuseInto(weights, prepared.columns, out);
  const o = prepared.offset;
  if (o) for (let i = 0; i < out.length; i++) out[i] = out[i]! + o[i]! + 0;
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

/** The fused score a serving path computes from per-task probabilities (and the row's business value). */
export function fusedScore(
  form: FusionForm,
  weights: ArrayLike<number>,
  probs: ArrayLike<number>,
  params: FormParams = {},
  value = 1,
): number {
  return FORM_DEFS[form].score(weights, probs, params, value);
}

/** fusedScore for every row of per-task probability columns (predict, serve, export verification). */
export function fusedColumn(
  form: FusionForm,
  weights: ArrayLike<number>,
  probs: readonly ArrayLike<number>[],
  params: FormParams = {},
  value?: ArrayLike<number>,
): Float64Array {
  const n = probs[0]?.length ?? 0,
    out = new Float64Array(n),
    p = new Float64Array(probs.length);
  const def = FORM_DEFS[form];
  if (def.usesValue && (!value || value.length !== n))
    throw new MtrankError(
      `the ${form} fused score needs the value column '${params.value ?? 'value'}' for each of the ${n} rows`,
    );
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < p.length; t++) p[t] = probs[t]![i]!;
    out[i] = def.score(weights, p, params, value ? value[i]! : 1);
  }
  return out;
}
