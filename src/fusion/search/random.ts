/**
 * Random search for many tasks, where the grid's (1/step + 1)^T explodes: `samples` seeded uniform points in
 * [0, 1]^T (plus equal weights and each task alone), scored as one batch. Pair it with --refine.
 */
import type { SearchStrategy } from './types.js';

export const randomSearch: SearchStrategy = {
  name: 'random',
  run(ctx) {
    const points: number[][] = [new Array(ctx.tasks).fill(1)];
    for (let t = 0; t < ctx.tasks; t++) points.push(Array.from({ length: ctx.tasks }, (_, u) => (u === t ? 1 : 0)));
    const rng = ctx.rng.fork('fusion-random');
    for (let k = 0; k < ctx.samples; k++) points.push(Array.from({ length: ctx.tasks }, () => rng.float()));
    return ctx.evaluate(points);
  },
};
