/**
 * Constraints a combination must satisfy to be chosen, written as
 *   auc(<task>) >= base(<task>) - 0.005     the fused score keeps the task's AUC within 0.005 of its own score's
 *   auc(<task>) >= 0.7                       an absolute floor (also <=)
 * base(<task>) is the AUC of the task's own predicted score on the same split.
 */
import { MtrankError } from '../util/errors.js';

export interface Constraint {
  text: string;
  task: string;
  op: '>=' | '<=';
  /** Task whose single-score AUC the bound is relative to, if any. */
  base?: string;
  offset: number;
}

const PATTERN =
  /^\s*auc\(\s*([\w.-]+)\s*\)\s*(>=|<=)\s*(?:base\(\s*([\w.-]+)\s*\)\s*(?:([+-])\s*([\d.eE+-]+))?|([\d.eE+-]+))\s*$/;

export function parseConstraint(text: string): Constraint {
  const m = PATTERN.exec(text);
  const num = m ? Number(m[6] ?? m[5] ?? 0) : NaN;
  if (!m || !Number.isFinite(num)) {
    throw new MtrankError(
      `fuse: constraint '${text}' is not 'auc(<task>) >= base(<task>) - <number>' or 'auc(<task>) >= <number>' (also <=)`,
    );
  }
  const [, task, op, base, sign] = m;
  return { text: text.trim(), task, op: op as '>=' | '<=', base, offset: base ? (sign === '-' ? -num : num) : num };
}

/** The number the task's fused AUC is compared against. */
export function constraintBound(c: Constraint, baseAuc: (task: string) => number): number {
  return c.base ? baseAuc(c.base) + c.offset : c.offset;
}

/** How far inside the bound the AUC is: ≥ 0 when satisfied, negative by the violation otherwise. */
export function margin(c: Constraint, fusedAuc: number, bound: number): number {
  return c.op === '>=' ? fusedAuc - bound : bound - fusedAuc;
}
