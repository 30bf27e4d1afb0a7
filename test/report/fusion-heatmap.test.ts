import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFuseCommand } from '../../src/fusion/run.js';
import { auc } from '../../src/metrics/index.js';
import { buildRunReport } from '../../src/report/run-report.js';
import { readRun } from '../../src/report/run-data.js';
import { Rng } from '../../src/util/rng.js';
import { fuseCommandOptions } from '../fusion/options.js';
import { fixtureFusion, writeFixtureRun } from './fixture-run.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-heatmap-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TASKS = ['click', 'cart', 'order'];

/** predictions/<split>.csv of a funnel-like model: each stage's score a noisy view of the probability it was drawn with. */
function writePredictions(dir: string, split: string, rows: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const lines = [[...TASKS.map((t) => `p_${t}`), ...TASKS.map((t) => `y_${t}`)].join(',')];
  const table: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const z = rng.normal();
    const p = [-2, -3.5, -4.5].map((b, k) => 1 / (1 + Math.exp(-(b + (1 + 0.3 * k) * z + 0.8 * rng.normal()))));
    const y = p.map((q) => (rng.float() < q ? 1 : 0));
    const s = p.map((q) => Math.min(0.999, q * Math.exp(0.5 * rng.normal())));
    table.push([...s, ...y]);
    lines.push([...s, ...y].join(','));
  }
  mkdirSync(join(dir, 'predictions'), { recursive: true });
  writeFileSync(join(dir, 'predictions', `${split}.csv`), `${lines.join('\n')}\n`);
  return table;
}

/** AUC(order) of the fused score, computed here from the file: Σ w·p (linear) or Σ w·log p, the log of Π p^w (product). */
function fusedOrderAuc(rows: number[][], form: string, w: number[]): number {
  const col = (p: number) => (form === 'product' ? Math.log(Math.max(p, 1e-12)) : p);
  const scores = Float64Array.from(rows, (r) => w.reduce((s, wt, t) => s + wt * col(r[t]), 0));
  return auc(
    scores,
    Uint8Array.from(rows, (r) => r[TASKS.length + 2]),
  );
}

const dataOf = (spec: unknown) =>
  (spec as { data: { values: { x: number; y: number; value: number; best: boolean }[] } }).data.values;

describe('fusion heatmap in the run report', () => {
  for (const form of ['product', 'linear']) {
    it(`shows the ${form} form's search surface, every cell the objective of those weights, the best one outlined`, async () => {
      const dir = join(root, form);
      writeFixtureRun(dir, { tasks: TASKS });
      const valid = writePredictions(dir, 'valid', 3000, 1);
      writePredictions(dir, 'test', 3000, 2);
      await runFuseCommand(fuseCommandOptions({ run: dir, form, objective: 'auc:order', step: 0.2 }));
      const saved = JSON.parse(readFileSync(join(dir, 'fusion.json'), 'utf8'));
      expect(saved.form).toBe(form);
      const report = await buildRunReport(readRun(dir));
      const chart = report.charts.find((c) => c.name === 'fusion-heatmap')!;
      expect(chart).toBeDefined();
      const cells = dataOf(chart.spec);
      expect(cells).toHaveLength(36); // 6 × 6 weights 0, 0.2, …, 1
      const fixed = saved.best.weights.order;
      for (const c of cells) expect(c.value).toBeCloseTo(fusedOrderAuc(valid, form, [c.x, c.y, fixed]), 9);
      expect(cells.filter((c) => c.best).map((c) => [c.x, c.y])).toEqual([
        [saved.best.weights.click, saved.best.weights.cart],
      ]);
      expect((chart.spec as { title: string }).title).toContain(`${form} form (order=${fixed})`);
      expect(chart.svg).toContain('role="graphics-symbol"'); // rect marks were drawn
      expect(report.html).toContain('id="chart-fusion-heatmap"');
    });
  }

  it('leaves the chart out when the grid has no value, rather than drawing an empty one', async () => {
    const dir = join(root, 'empty');
    writeFixtureRun(dir, { tasks: TASKS });
    const fusion = fixtureFusion(TASKS);
    fusion.heatmap.values = fusion.heatmap.values.map((r) => r.map(() => null as unknown as number));
    writeFileSync(join(dir, 'fusion.json'), JSON.stringify(fusion));
    const report = await buildRunReport(readRun(dir));
    expect(report.charts.map((c) => c.name)).not.toContain('fusion-heatmap');
    expect(report.html).not.toContain('chart-fusion-heatmap');
    expect(report.html).toContain('Top combinations'); // the rest of the fusion section stays
  });
});
