/**
 * What the search maximises, computed from one combination's metrics (per-task AUCs and the GAUC):
 *   auc:<task>                       AUC of the task's label on the fused score
 *   gauc:<task>                      GAUC of the task's label, grouped by the group column
 *   weighted-auc:<task>=<w>,…        Σ w·AUC(task) on the fused score (weights as given, not normalised)
 * The config form is { type: auc|gauc|weighted-auc, task?, weights? }.
 */
import { MtrankError } from '../util/errors.js';

export type Objective =
  | { type: 'auc'; task: string }
  | { type: 'gauc'; task: string }
  | { type: 'weighted-auc'; weights: Record<string, number> };

export function parseObjective(spec: string | Record<string, unknown>): Objective {
  if (typeof spec !== 'string') return objectiveFromConfig(spec);
  const m = /^\s*(auc|gauc|weighted-auc)\s*[:(]\s*([^)]*?)\s*\)?\s*$/.exec(spec);
  if (!m)
    throw new MtrankError(`fuse: objective '${spec}' is not one of auc:<task>, gauc:<task>, weighted-auc:<task>=<w>,…`);
  const [, type, arg] = m;
  if (type !== 'weighted-auc') return { type: type as 'auc' | 'gauc', task: arg };
  const weights: Record<string, number> = {};
  for (const part of arg.split(',')) {
    const [task, w] = part.split('=').map((s) => s.trim());
    const x = Number(w);
    if (!task || w === undefined || !Number.isFinite(x))
      throw new MtrankError(`fuse: objective '${spec}': '${part}' is not <task>=<weight>`);
    weights[task] = x;
  }
  return { type: 'weighted-auc', weights };
}

function objectiveFromConfig(o: Record<string, unknown>): Objective {
  const type = o.type ?? 'auc';
  if ((type === 'auc' || type === 'gauc') && typeof o.task === 'string') return { type, task: o.task };
  if (type === 'weighted-auc' && typeof o.weights === 'object' && o.weights) {
    const weights = o.weights as Record<string, unknown>;
    if (Object.values(weights).every((w) => typeof w === 'number'))
      return { type, weights: weights as Record<string, number> };
  }
  throw new MtrankError(
    `fusion.objective: expected { type: auc|gauc, task } or { type: weighted-auc, weights: { task: w } }, got ${JSON.stringify(o)}`,
  );
}

export function objectiveTasks(o: Objective): string[] {
  return o.type === 'weighted-auc' ? Object.keys(o.weights) : [o.task];
}

export function objectiveLabel(o: Objective): string {
  if (o.type === 'weighted-auc')
    return `weighted-auc(${Object.entries(o.weights)
      .map(([t, w]) => `${t}=${w}`)
      .join(',')})`;
  return `${o.type}(${o.task})`;
}

/** Objective value from metrics laid out as [auc per task…, gauc]. */
export function objectiveValue(o: Objective, metrics: Float64Array, taskIndex: (task: string) => number): number {
  if (o.type === 'auc') return metrics[taskIndex(o.task)];
  if (o.type === 'gauc') return metrics[metrics.length - 1];
  let s = 0;
  for (const [task, w] of Object.entries(o.weights)) s += w * metrics[taskIndex(task)];
  return s;
}
