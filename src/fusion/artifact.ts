// fusion.json read back for scoring (predict, serve): form and weights in task order, validated.
import { existsSync, readFileSync } from 'node:fs';
import { FORM_DEFS, FORMS, type FormParams, type FusionForm } from './forms.js';
import { paramsFromRecord } from './form-params.js';
import { MtrankError } from '../util/errors.js';

/** fusion.json's form and weights in task order (validated), or null when fusion has not run. */
/** Which probabilities the weights were searched on (fusion.json before calibration existed: raw). */
export type FusedOn = 'raw' | 'calibrated';

export function readFusion(
  path: string,
  tasks: string[],
): { form: FusionForm; weights: number[]; probabilities: FusedOn; params: FormParams } | null {
  if (!existsSync(path)) return null;
  const bad = (why: string) =>
    new MtrankError(
      `${path}: damaged fusion artifact (${why}); rerun 'mtrank fuse --run' or delete it`,
      undefined,
      'data',
    );
  let f: { form?: unknown; weights?: unknown; probabilities?: unknown; params?: unknown };
  try {
    f = JSON.parse(readFileSync(path, 'utf8')) as typeof f;
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (typeof f !== 'object' || f === null) throw bad('expected { form, weights }');
  if (!FORMS.includes(f.form as FusionForm))
    throw bad(`form must be one of ${FORMS.join(', ')}, got ${JSON.stringify(f.form)}`);
  const form = f.form as FusionForm;
  const w = f.weights as Record<string, unknown> | undefined;
  if (typeof w !== 'object' || w === null) throw bad('no weights');
  const weights = tasks.map((t) => {
    const x = w[t];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
      throw bad(`weights.${t} must be a finite number ≥ 0, got ${JSON.stringify(x)}`);
    return x;
  });
  if (weights.every((x) => x === 0) && !FORM_DEFS[form].usesValue) throw bad('every weight is 0');
  const params = paramsFromRecord(form, tasks, f.params, bad);
  const probabilities = f.probabilities ?? 'raw';
  if (probabilities !== 'raw' && probabilities !== 'calibrated')
    throw bad(`probabilities must be raw or calibrated, got ${JSON.stringify(probabilities)}`);
  return { form, weights, probabilities, params };
}
