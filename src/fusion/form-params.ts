/**
 * A form's parameters: fitted or taken from the options when the search starts (task order), written to
 * fusion.json keyed by task, and read back (validated) for predict and serving.
 */
import { didYouMean } from '../config/suggest.js';
import { MtrankError } from '../util/errors.js';
import { DEFAULT_OFFSET } from './forms/ensemble.js';
import { fitKnots } from './forms/rank.js';
import type { FormParams, FusionForm } from './forms/types.js';

/** fusion.json's `params`: keyed by task. */
export interface FormParamsRecord {
  offsets?: Record<string, number>;
  knots?: Record<string, number[]>;
  value?: string;
}

export function formParams(
  form: FusionForm,
  tasks: string[],
  scores: readonly Float64Array[],
  o: { offsets?: Record<string, number>; value?: string },
): FormParams {
  if (form === 'ensemble') {
    for (const [t, b] of Object.entries(o.offsets ?? {})) {
      if (!tasks.includes(t))
        throw new MtrankError(`fuse: offsets: unknown task '${t}'${didYouMean(t, tasks)} (tasks: ${tasks.join(', ')})`);
      if (!(Number.isFinite(b) && b > 0)) throw new MtrankError(`fuse: offsets: '${t}' must be a number > 0, got ${b}`);
    }
    return { offsets: tasks.map((t) => o.offsets?.[t] ?? DEFAULT_OFFSET) };
  }
  if (form === 'rank') return { knots: scores.map((s) => fitKnots(s)) };
  if (form === 'expected-value') return { value: o.value ?? 'value' };
  return {};
}

export function paramsRecord(tasks: string[], p: FormParams): FormParamsRecord {
  const byTask = <X>(xs: X[]) => Object.fromEntries(tasks.map((t, i) => [t, xs[i]!]));
  return {
    ...(p.offsets ? { offsets: byTask(p.offsets) } : {}),
    ...(p.knots ? { knots: byTask(p.knots) } : {}),
    ...(p.value !== undefined ? { value: p.value } : {}),
  };
}

/** fusion.json's params back in task order; `bad(why)` makes the damaged-artifact error. */
export function paramsFromRecord(
  form: FusionForm,
  tasks: string[],
  raw: unknown,
  bad: (why: string) => Error,
): FormParams {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const field = (name: string) => {
    const x = r[name];
    if (typeof x !== 'object' || x === null) throw bad(`the ${form} form needs params.${name} per task`);
    return x as Record<string, unknown>;
  };
  if (form === 'ensemble') {
    const o = field('offsets');
    return {
      offsets: tasks.map((t) => {
        const b = o[t];
        if (typeof b !== 'number' || !(b > 0 && Number.isFinite(b)))
          throw bad(`params.offsets.${t} must be a number > 0, got ${JSON.stringify(b)}`);
        return b;
      }),
    };
  }
  if (form === 'rank') {
    const k = field('knots');
    return {
      knots: tasks.map((t) => {
        const q = k[t];
        const ok =
          Array.isArray(q) &&
          q.length >= 2 &&
          q.every((x, i) => typeof x === 'number' && Number.isFinite(x) && (i === 0 || x >= (q[i - 1] as number)));
        if (!ok) throw bad(`params.knots.${t} must be ≥ 2 ascending finite numbers`);
        return q as number[];
      }),
    };
  }
  if (form === 'expected-value') {
    if (typeof r.value !== 'string' || r.value === '')
      throw bad('the expected-value form needs params.value (the value column)');
    return { value: r.value };
  }
  return {};
}
