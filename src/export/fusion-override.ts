// The fusion an export carries: the run's fusion.json, optionally with `--fusion click=0.2,order=1` weights
// (and form) overriding it for a what-if export.
import { existsSync, readFileSync } from 'node:fs';
import { parseForm, type FusionForm } from '../fusion/forms.js';
import { MtrankError } from '../util/errors.js';

export interface ExportFusion {
  form: FusionForm;
  /** Per task name, every task present. */
  weights: Record<string, number>;
  /** What fusion.json holds in the export folder. */
  file: Record<string, unknown>;
}

/** `click=0.2,order=1` → { click: 0.2, order: 1 }; unknown tasks and non-numeric weights are errors. */
export function parseFusionWeights(text: string, tasks: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((s) => s.trim())) {
    const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(part);
    if (!m) throw new MtrankError(`--fusion: expected task=weight pairs like 'click=0.2,order=1', got '${part}'`);
    const [, task, value] = m as unknown as [string, string, string];
    if (!tasks.includes(task))
      throw new MtrankError(`--fusion: no task named '${task}' (the run's tasks: ${tasks.join(', ')})`);
    const w = Number(value);
    if (value.trim() === '' || !Number.isFinite(w))
      throw new MtrankError(`--fusion: the weight of '${task}' must be a finite number, got '${value}'`);
    if (task in out) throw new MtrankError(`--fusion: '${task}' is given twice`);
    out[task] = w;
  }
  return out;
}

/**
 * The run's fusion.json with overrides applied; null when the run has no fusion and nothing overrides it.
 * Tasks the run's fusion.json leaves out weigh 0. Overridden weights replace the search result in the file
 * (it described other weights) by a note of what was set on top of which weights.
 */
export function resolveFusion(
  fusionPath: string,
  tasks: readonly string[],
  override: { weights?: string; form?: string },
): ExportFusion | null {
  const base = existsSync(fusionPath) ? readFusionFile(fusionPath, tasks) : null;
  const set = override.weights !== undefined ? parseFusionWeights(override.weights, tasks) : null;
  const form = override.form !== undefined ? parseForm(override.form) : undefined;
  if (!base && !set) {
    if (form) throw new MtrankError(`--fusion-form: the run has no fusion.json; give the weights with --fusion too`);
    return null;
  }
  if (!set && (!form || form === base!.form)) return base;
  const weights = Object.fromEntries(tasks.map((t) => [t, set?.[t] ?? base?.weights[t] ?? 0]));
  const resolvedForm = form ?? base?.form ?? 'linear';
  return {
    form: resolvedForm,
    weights,
    file: {
      form: resolvedForm,
      weights,
      // The new weights score the same probabilities (raw or calibrated) as the ones they replace.
      ...(base?.file.probabilities !== undefined ? { probabilities: base.file.probabilities } : {}),
      // Same form, new weights: the form's params (ensemble offsets, rank knots) still hold.
      ...(base && resolvedForm === base.form && base.file.params !== undefined ? { params: base.file.params } : {}),
      override: { base: base ? { form: base.form, weights: base.weights } : null, set },
    },
  };
}

function readFusionFile(path: string, tasks: readonly string[]): ExportFusion {
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new MtrankError(`${path}: cannot read (${(e as Error).message})`);
  }
  const raw = file.weights as Record<string, unknown> | undefined;
  if (typeof file.form !== 'string' || !raw || typeof raw !== 'object')
    throw new MtrankError(`${path}: expected { form, weights } (written by 'mtrank fuse --run')`);
  const weights: Record<string, number> = {};
  for (const t of tasks) {
    const w = raw[t] ?? 0;
    if (typeof w !== 'number' || !Number.isFinite(w))
      throw new MtrankError(`${path}: weights.${t} must be a finite number, got ${JSON.stringify(w)}`);
    weights[t] = w;
  }
  for (const t of Object.keys(raw))
    if (!tasks.includes(t)) throw new MtrankError(`${path}: weights.${t}: the run has no task '${t}'`);
  return { form: parseForm(file.form), weights, file };
}
