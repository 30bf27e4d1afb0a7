/**
 * The objective over two weights with the others fixed at the best combination's values: data for the report's
 * heatmap (values[i][j] at y.weights[i], x.weights[j]) and a compact text rendering for the terminal.
 */
import type { Evaluator } from './evaluator.js';

export interface Heatmap {
  x: { task: string; weights: number[] };
  y: { task: string; weights: number[] };
  fixed: Record<string, number>;
  values: number[][];
  /** Whether each cell satisfies the constraints (values ignore them). */
  feasible: boolean[][];
}

/** Axes: the first two tasks; the grid levels of the search step. */
export async function heatmap(
  ev: Evaluator,
  tasks: string[],
  best: readonly number[],
  levels: number,
): Promise<Heatmap | null> {
  if (tasks.length < 2) return null;
  const axis = Array.from({ length: levels + 1 }, (_, k) => k / levels);
  const points: number[][] = [];
  for (const wy of axis)
    for (const wx of axis) {
      const w = [...best];
      w[0] = wx;
      w[1] = wy;
      points.push(w);
    }
  const scored = await ev.evaluate(points);
  const cell = (i: number, j: number) => scored[i * axis.length + j];
  const values = axis.map((_, i) => axis.map((_, j) => cell(i, j).objective));
  const feasible = axis.map((_, i) => axis.map((_, j) => cell(i, j).feasible));
  const fixed: Record<string, number> = {};
  for (let t = 2; t < tasks.length; t++) fixed[tasks[t]] = best[t];
  return { x: { task: tasks[0], weights: axis }, y: { task: tasks[1], weights: axis }, fixed, values, feasible };
}

const SHADES = ' .:-=+*#%@';

/** Rows from high y weight to low, one shade character per cell scaled between the grid's min and max; x = violates constraints. */
export function textHeatmap(h: Heatmap): string {
  const flat = h.values.flat();
  const lo = Math.min(...flat),
    hi = Math.max(...flat);
  const lines = [
    `${h.y.task} ↑  ${h.x.task} →   (shade: ${lo.toFixed(4)} ' ' … '@' ${hi.toFixed(4)}${h.feasible.flat().includes(false) ? ', x: violates constraints' : ''}${
      Object.keys(h.fixed).length
        ? `; fixed ${Object.entries(h.fixed)
            .map(([t, w]) => `${t}=${fmt(w)}`)
            .join(' ')}`
        : ''
    })`,
  ];
  for (let i = h.values.length - 1; i >= 0; i--) {
    const row = h.values[i].map((v, j) =>
      h.feasible[i][j] === false
        ? 'x'
        : SHADES[hi > lo ? Math.min(SHADES.length - 1, Math.floor(((v - lo) / (hi - lo)) * SHADES.length)) : 0],
    );
    lines.push(`${fmt(h.y.weights[i]).padStart(5)} ${row.join(' ')}`);
  }
  lines.push(`      ${h.x.weights.map((w) => (w === 0 || w === 1 ? String(w) : ' ')).join(' ')}`);
  return lines.join('\n');
}

const fmt = (w: number): string => String(Math.round(w * 1e6) / 1e6);
