/**
 * The output-weight search for library users: per-task scores and labels in, the best fusion weights out —
 * `mtrank fuse` without files. Every option has the CLI's default (FUSE_DEFAULTS).
 */
import { parseConstraint } from '../fusion/constraints.js';
import { parseForm, type FusionForm } from '../fusion/forms.js';
import { fuse as searchWeights, rarestTask, type FusionResult, type ScoreSplit } from '../fusion/fuse.js';
import { parseObjective, type Objective } from '../fusion/objectives.js';
import { MtrankError } from '../util/errors.js';
import { MISSING_LABEL } from '../data/types.js';

/** One split's per-task scores and 0/1 labels (MISSING_LABEL, 255: no label for that task; same row order), and optional GAUC groups. */
export interface TaskScores {
  scores: Record<string, ArrayLike<number>>;
  labels: Record<string, ArrayLike<number>>;
  group?: ArrayLike<number>;
  /** Business value per row (price, GMV ≥ 0): the expected-value form and the value-auc / value-ndcg objectives. */
  value?: ArrayLike<number>;
}

export interface FuseOptions {
  /** 'auc:<task>', 'gauc:<task>', 'weighted-auc:a=1,b=2' or an Objective; default: AUC of the task with the fewest positives. */
  objective?: string | Objective;
  /** 'linear' (Σ w·p), 'product' (Π p^w), 'ensemble' (Π (b+p)^w), 'rank' (Σ w·pct(p)), 'expected-value' (v·Π p^w); default 'linear'. */
  form?: FusionForm;
  /** ensemble form: offset b per task; default 1. */
  offsets?: Record<string, number>;
  /** The value column's name, for fusion.json and the formula (values come in TaskScores.value); default 'value'. */
  valueName?: string;
  /** A name of FUSION_SEARCHES (src/config/enums.ts); default 'grid'. */
  search?: string;
  /** Grid step over [0, 1]; default 0.1. */
  step?: number;
  /** Coordinate ascent with finer steps around the best point; default false. */
  refine?: boolean;
  /** E.g. 'auc(click) >= base(click) - 0.005'; default none. */
  constraints?: string[];
  /** random / cmaes search: weight vectors to evaluate; default 1000. */
  samples?: number;
  /** Worker threads (the result does not depend on it); default 2. */
  threads?: number;
  /** Random search seed; default 42. */
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

export const FUSE_DEFAULTS = {
  form: 'linear',
  search: 'grid',
  step: 0.1,
  refine: false,
  constraints: [],
  samples: 1000,
  threads: 2,
  seed: 42,
} as const satisfies Omit<Required<FuseOptions>, 'objective' | 'onProgress' | 'offsets' | 'valueName'>;

/** Search output weights on `valid`; with `test`, the chosen weights' metrics there are the honest estimate. */
export async function fuse(
  scores: { valid: TaskScores; test?: TaskScores },
  options: FuseOptions = {},
): Promise<FusionResult> {
  const tasks = Object.keys(scores.valid.scores);
  if (tasks.length === 0) throw new MtrankError('fuse: valid.scores holds no task');
  const valid = scoreSplit('valid', tasks, scores.valid);
  const test = scores.test ? scoreSplit('test', tasks, scores.test) : undefined;
  const o = { ...FUSE_DEFAULTS, ...options };
  const objective =
    o.objective === undefined
      ? { type: 'auc' as const, task: rarestTask(tasks, valid) }
      : typeof o.objective === 'string'
        ? parseObjective(o.objective)
        : o.objective;
  return searchWeights(tasks, valid, test, {
    form: parseForm(o.form),
    ...(o.offsets ? { offsets: o.offsets } : {}),
    ...(scores.valid.value ? { value: o.valueName ?? 'value' } : {}),
    search: o.search,
    step: o.step,
    refine: o.refine,
    objective,
    constraints: o.constraints.map(parseConstraint),
    samples: o.samples,
    threads: o.threads,
    seed: o.seed,
    onProgress: o.onProgress,
  });
}

function scoreSplit(name: string, tasks: string[], s: TaskScores): ScoreSplit {
  const column = (kind: 'scores' | 'labels', t: string) => {
    const c = s[kind][t];
    if (!c) throw new MtrankError(`fuse: ${name}.${kind} has no column for task '${t}'`);
    return c;
  };
  const rows = column('scores', tasks[0]!).length;
  const sized = <T extends { length: number }>(what: string, a: T): T => {
    if (a.length !== rows)
      throw new MtrankError(`fuse: ${name}.${what} has ${a.length} rows, ${name}.scores.${tasks[0]} has ${rows}`);
    return a;
  };
  const checked = (what: string, a: ArrayLike<number>, ok: (x: number) => boolean, expected: string) => {
    sized(what, a);
    for (let i = 0; i < a.length; i++)
      if (!ok(a[i]!)) throw new MtrankError(`fuse: ${name}.${what}, row ${i}: expected ${expected}, got ${a[i]}`);
    return a;
  };
  return {
    source: name,
    rows,
    scores: tasks.map((t) =>
      Float64Array.from(checked(`scores.${t}`, column('scores', t), Number.isFinite, 'a finite number')),
    ),
    labels: tasks.map((t) =>
      Uint8Array.from(
        checked(
          `labels.${t}`,
          column('labels', t),
          (y) => y === 0 || y === 1 || y === MISSING_LABEL,
          `0, 1 or ${MISSING_LABEL} (no label: left out of that task's figures)`,
        ),
      ),
    ),
    group: s.group ? Int32Array.from(checked('group', s.group, Number.isInteger, 'an integer')) : undefined,
    ...(s.value
      ? {
          value: Float64Array.from(
            checked('value', s.value, (v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0'),
          ),
        }
      : {}),
  };
}
