/**
 * What the search maximises, computed from one combination's metrics (per-task AUCs and the GAUC):
 *   auc:<task>                       AUC of the task's label on the fused score
 *   gauc:<task>                      GAUC of the task's label, grouped by the group column
 *   weighted-auc:<task>=<w>,…        Σ w·AUC(task) on the fused score (weights as given, not normalised)
 * The config form is { type: auc|gauc|weighted-auc, task?, weights? }.
 * Each objective is one record of OBJECTIVES: adding one is one entry here.
 */
import type { FUSION_OBJECTIVES } from '../config/schema.js';
import { MtrankError } from '../util/errors.js';

export type Objective =
  | { type: 'auc'; task: string }
  | { type: 'gauc'; task: string }
  | { type: 'weighted-auc'; weights: Record<string, number> };

type ObjectiveType = (typeof FUSION_OBJECTIVES)[number] & Objective['type'];
type Of<T extends ObjectiveType> = Extract<Objective, { type: T }>;

interface ObjectiveKind<T extends ObjectiveType> {
  /** The CLI form's argument after `type:`, e.g. 'order' or 'click=1,order=2'. */
  parse(arg: string, spec: string): Of<T>;
  /** The config form ({ type, task } / { type, weights }), or undefined when it does not fit. */
  fromConfig(o: Record<string, unknown>): Of<T> | undefined;
  tasks(o: Of<T>): string[];
  argument(o: Of<T>): string;
  /** Needs the group column, and the rows reordered by group (GAUC). */
  grouped: boolean;
  /** The value from metrics laid out as [auc per task…, gauc]. */
  value(o: Of<T>, metrics: Float64Array, taskIndex: (task: string) => number): number;
}

type SingleTask = { task: string };
const singleTask = <T extends 'auc' | 'gauc'>(
  type: T,
  grouped: boolean,
  value: (o: SingleTask, metrics: Float64Array, taskIndex: (task: string) => number) => number,
): ObjectiveKind<T> => ({
  parse: (task) => ({ type, task }) as Of<T>,
  fromConfig: (o) => (typeof o.task === 'string' ? ({ type, task: o.task } as Of<T>) : undefined),
  tasks: (o) => [(o as SingleTask).task],
  argument: (o) => (o as SingleTask).task,
  grouped,
  value: (o, m, taskIndex) => value(o as SingleTask, m, taskIndex),
});

export const OBJECTIVES: { [T in ObjectiveType]: ObjectiveKind<T> } = {
  auc: singleTask('auc', false, (o, m, taskIndex) => m[taskIndex(o.task)]!),
  gauc: singleTask('gauc', true, (_o, m) => m[m.length - 1]!),
  'weighted-auc': {
    parse(arg, spec) {
      const weights: Record<string, number> = {};
      for (const part of arg.split(',')) {
        const [task, w] = part.split('=').map((s) => s.trim());
        const x = Number(w);
        if (!task || w === undefined || !Number.isFinite(x))
          throw new MtrankError(`fuse: objective '${spec}': '${part}' is not <task>=<weight>`);
        weights[task] = x;
      }
      return { type: 'weighted-auc', weights };
    },
    fromConfig(o) {
      const w = o.weights;
      if (typeof w !== 'object' || w === null || !Object.values(w).every((x) => typeof x === 'number')) return;
      return { type: 'weighted-auc', weights: w as Record<string, number> };
    },
    tasks: (o) => Object.keys(o.weights),
    argument: (o) =>
      Object.entries(o.weights)
        .map(([t, w]) => `${t}=${w}`)
        .join(','),
    grouped: false,
    value(o, m, taskIndex) {
      let s = 0;
      for (const [task, w] of Object.entries(o.weights)) s += w * m[taskIndex(task)]!;
      return s;
    },
  },
};

/** The objective types, for the config schema and the CLI help. */
export const OBJECTIVE_TYPES = Object.keys(OBJECTIVES) as ObjectiveType[];

const kindOf = <T extends ObjectiveType>(o: Of<T>) => OBJECTIVES[o.type as T] as ObjectiveKind<T>;
const isType = (t: unknown): t is ObjectiveType => typeof t === 'string' && t in OBJECTIVES;

export function parseObjective(spec: string | Record<string, unknown>): Objective {
  if (typeof spec !== 'string') return objectiveFromConfig(spec);
  const m = /^\s*([a-z-]+)\s*[:(]\s*([^)]*?)\s*\)?\s*$/.exec(spec);
  if (!m || !isType(m[1]))
    throw new MtrankError(
      `fuse: objective '${spec}' is not one of auc:<task>, gauc:<task>, weighted-auc:<task>=<w>,… (types: ${OBJECTIVE_TYPES.join(', ')})`,
    );
  return OBJECTIVES[m[1]].parse(m[2]!, spec);
}

function objectiveFromConfig(o: Record<string, unknown>): Objective {
  const type = o.type ?? 'auc';
  const parsed = isType(type) ? OBJECTIVES[type].fromConfig(o) : undefined;
  if (parsed) return parsed;
  throw new MtrankError(
    `fusion.objective: expected { type: auc|gauc, task } or { type: weighted-auc, weights: { task: w } }, got ${JSON.stringify(o)}`,
  );
}

export function objectiveTasks(o: Objective): string[] {
  return kindOf(o).tasks(o);
}

/** True when the objective needs the group column (GAUC). */
export function objectiveGrouped(o: Objective): boolean {
  return OBJECTIVES[o.type].grouped;
}

export function objectiveLabel(o: Objective): string {
  return `${o.type}(${kindOf(o).argument(o)})`;
}

/** Objective value from metrics laid out as [auc per task…, gauc]. */
export function objectiveValue(o: Objective, metrics: Float64Array, taskIndex: (task: string) => number): number {
  return kindOf(o).value(o, metrics, taskIndex);
}
