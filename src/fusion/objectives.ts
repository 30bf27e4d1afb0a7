/**
 * What the search maximises, computed from one combination's metrics (per-task AUCs and the GAUC):
 *   auc:<task>                       AUC of the task's label on the fused score
 *   gauc:<task>                      GAUC of the task's label, grouped by the group column
 *   weighted-auc:<task>=<w>,…        Σ w·AUC(task) on the fused score (weights as given, not normalised)
 *   value-auc:<task>                 AUC of the task's label with each positive weighted by the value column (GMV)
 *   value-ndcg:<task>[@k]            mean NDCG per group, gain = value × label (needs the group and value columns)
 * The config form is { type: auc|gauc|weighted-auc|value-auc|value-ndcg, task?, weights?, k? }.
 * Each objective is one record of OBJECTIVES: adding one is one entry here.
 */
import type { FUSION_OBJECTIVES } from '../config/schema.js';
import { didYouMean } from '../config/suggest.js';
import { MtrankError } from '../util/errors.js';

export type Objective =
  | { type: 'auc'; task: string }
  | { type: 'gauc'; task: string }
  | { type: 'weighted-auc'; weights: Record<string, number> }
  | { type: 'value-auc'; task: string }
  | { type: 'value-ndcg'; task: string; k?: number };

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
  /** Reads the metrics' last slot (GAUC or the value metric) rather than only per-task AUCs. */
  lastSlot: boolean;
  /** Needs the business value column (fusion.value). */
  usesValue: boolean;
  /** The value from metrics laid out as [auc per task…, gauc]. */
  value(o: Of<T>, metrics: Float64Array, taskIndex: (task: string) => number): number;
}

type SingleTask = { task: string };
const lastSlot = (_o: SingleTask, m: Float64Array) => m[m.length - 1]!;
const singleTask = <T extends 'auc' | 'gauc' | 'value-auc'>(
  type: T,
  flags: { grouped: boolean; lastSlot: boolean; usesValue: boolean },
  value: (o: SingleTask, metrics: Float64Array, taskIndex: (task: string) => number) => number,
): ObjectiveKind<T> => ({
  parse: (task) => ({ type, task }) as Of<T>,
  fromConfig: (o) => (typeof o.task === 'string' ? ({ type, task: o.task } as Of<T>) : undefined),
  tasks: (o) => [(o as SingleTask).task],
  argument: (o) => (o as SingleTask).task,
  ...flags,
  value: (o, m, taskIndex) => value(o as SingleTask, m, taskIndex),
});

export const OBJECTIVES: { [T in ObjectiveType]: ObjectiveKind<T> } = {
  auc: singleTask(
    'auc',
    { grouped: false, lastSlot: false, usesValue: false },
    (o, m, taskIndex) => m[taskIndex(o.task)]!,
  ),
  gauc: singleTask('gauc', { grouped: true, lastSlot: true, usesValue: false }, lastSlot),
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
    lastSlot: false,
    usesValue: false,
    value(o, m, taskIndex) {
      let s = 0;
      for (const [task, w] of Object.entries(o.weights)) s += w * m[taskIndex(task)]!;
      return s;
    },
  },
  'value-auc': singleTask('value-auc', { grouped: false, lastSlot: true, usesValue: true }, lastSlot),
  'value-ndcg': {
    parse(arg, spec) {
      const [task, k] = arg.split('@').map((x) => x.trim());
      const cut = k === undefined ? undefined : Number(k);
      if (!task || (cut !== undefined && !(Number.isInteger(cut) && cut > 0)))
        throw new MtrankError(`fuse: objective '${spec}' is not value-ndcg:<task> or value-ndcg:<task>@<k> (k ≥ 1)`);
      return cut === undefined ? { type: 'value-ndcg', task } : { type: 'value-ndcg', task, k: cut };
    },
    fromConfig(o) {
      if (typeof o.task !== 'string') return;
      if (o.k === undefined) return { type: 'value-ndcg', task: o.task };
      return typeof o.k === 'number' && Number.isInteger(o.k) && o.k > 0
        ? { type: 'value-ndcg', task: o.task, k: o.k }
        : undefined;
    },
    tasks: (o) => [o.task],
    argument: (o) => (o.k === undefined ? o.task : `${o.task}@${o.k}`),
    grouped: true,
    lastSlot: true,
    usesValue: true,
    value: lastSlot,
  },
};

/** The objective types, for the config schema and the CLI help. */
export const OBJECTIVE_TYPES = Object.keys(OBJECTIVES) as ObjectiveType[];

const kindOf = <T extends ObjectiveType>(o: Of<T>) => OBJECTIVES[o.type as T] as ObjectiveKind<T>;
const isType = (t: unknown): t is ObjectiveType => typeof t === 'string' && t in OBJECTIVES;

export function parseObjective(spec: string | Record<string, unknown>): Objective {
  if (typeof spec !== 'string') return objectiveFromConfig(spec);
  const m = /^\s*([a-z-]+)\s*[:(]\s*([^)]*?)\s*\)?\s*$/.exec(spec);
  if (!m || !isType(m[1])) {
    const forms = `auc:<task>, gauc:<task>, weighted-auc:<task>=<w>,…, value-auc:<task>, value-ndcg:<task>[@k] (types: ${OBJECTIVE_TYPES.join(', ')})`;
    throw new MtrankError(
      m
        ? `fuse: objective '${spec}': unknown type '${m[1]}'${didYouMean(m[1]!, OBJECTIVE_TYPES)}; expected one of ${forms}`
        : `fuse: objective '${spec}' is not one of ${forms}`,
    );
  }
  return OBJECTIVES[m[1]].parse(m[2]!, spec);
}

function objectiveFromConfig(o: Record<string, unknown>): Objective {
  const type = o.type ?? 'auc';
  const parsed = isType(type) ? OBJECTIVES[type].fromConfig(o) : undefined;
  if (parsed) return parsed;
  throw new MtrankError(
    `fusion.objective: expected { type: auc|gauc|value-auc, task }, { type: value-ndcg, task, k? } or { type: weighted-auc, weights: { task: w } }, got ${JSON.stringify(o)}`,
  );
}

export function objectiveTasks(o: Objective): string[] {
  return kindOf(o).tasks(o);
}

/** True when the objective needs the group column (GAUC, value-ndcg). */
export function objectiveGrouped(o: Objective): boolean {
  return OBJECTIVES[o.type].grouped;
}

/** True when the objective reads the metrics' last slot (GAUC, value-auc, value-ndcg): the scorer must fill it. */
export function objectiveLastSlot(o: Objective): boolean {
  return OBJECTIVES[o.type].lastSlot;
}

/** True when the objective needs the business value column. */
export function objectiveUsesValue(o: Objective): boolean {
  return OBJECTIVES[o.type].usesValue;
}

export function objectiveLabel(o: Objective): string {
  return `${o.type}(${kindOf(o).argument(o)})`;
}

/** Objective value from metrics laid out as [auc per task…, gauc]. */
export function objectiveValue(o: Objective, metrics: Float64Array, taskIndex: (task: string) => number): number {
  return kindOf(o).value(o, metrics, taskIndex);
}
