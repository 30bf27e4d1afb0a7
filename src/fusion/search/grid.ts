/**
 * The baseline's grid: every weight in 0, step, 2·step, …, 1 for every task — (1/step + 1)^T combinations,
 * visited in the baseline's loop order (first task outermost). The evaluator scores each ranking once.
 */
import type { SearchContext, SearchStrategy } from './types.js';
import { levelsOf } from './levels.js';

export function gridPoints(tasks: number, step: number): number[][] {
  const levels = levelsOf(step);
  const out: number[][] = [];
  const idx = new Array<number>(tasks).fill(0);
  for (;;) {
    out.push(idx.map((k) => k / levels));
    let t = tasks - 1;
    while (t >= 0 && idx[t] === levels) idx[t--] = 0;
    if (t < 0) return out;
    idx[t]++;
  }
}

export const gridSearch: SearchStrategy = {
  name: 'grid',
  run: (ctx: SearchContext) => ctx.evaluate(gridPoints(ctx.tasks, ctx.step)),
};
