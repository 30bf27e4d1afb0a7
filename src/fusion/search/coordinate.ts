/**
 * Coordinate ascent with shrinking steps: from the best of a few starting points, try moving each weight up and
 * down by the current step (all moves of a round are scored as one batch, so both threads work), take the best
 * improving move, and halve the step when none improves, until it drops below a floor.
 */
import { better, type Scored } from '../evaluator.js';
import type { SearchContext, SearchStrategy } from './types.js';

export async function coordinateAscent(
  ctx: SearchContext,
  start: Scored,
  step: number,
  minStep: number,
  visited: Scored[],
): Promise<Scored> {
  let best = start;
  while (step >= minStep - 1e-12) {
    const moves: number[][] = [];
    for (let t = 0; t < ctx.tasks; t++) {
      for (const dir of [1, -1]) {
        const w = [...best.weights];
        w[t] = round(Math.min(1, Math.max(0, w[t] + dir * step)));
        if (w[t] !== best.weights[t]) moves.push(w);
      }
    }
    const scored = await ctx.evaluate(moves);
    visited.push(...scored);
    const top = scored.reduce<Scored | null>((a, s) => (a === null || better(s, a) ? s : a), null);
    if (top && top.key !== best.key && (top.feasible !== best.feasible ? top.feasible : top.objective > best.objective))
      best = top;
    else step /= 2;
  }
  return best;
}

/** Weights rounded to 12 digits, so steps like 0.1 + 0.2 land on the grid's cache keys. */
const round = (x: number): number => Math.round(x * 1e12) / 1e12;

export const coordinateSearch: SearchStrategy = {
  name: 'coordinate',
  async run(ctx) {
    const starts: number[][] = [new Array(ctx.tasks).fill(1)];
    for (let t = 0; t < ctx.tasks; t++) starts.push(Array.from({ length: ctx.tasks }, (_, u) => (u === t ? 1 : 0)));
    const visited = await ctx.evaluate(starts);
    const start = visited.reduce((a, s) => (better(s, a) ? s : a));
    await coordinateAscent(ctx, start, 0.5, ctx.step / 10, visited);
    return visited;
  },
};
