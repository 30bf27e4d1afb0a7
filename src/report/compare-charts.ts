/**
 * Comparison chart specs: validation AUC curves overlaid per task (one line per run, the seed mean with a
 * ±1 std band when a run has several seeds) and final test AUC per task and run.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from './charts.js';
import type { RunGroupData } from './compare.js';
import { meanStd } from './stats.js';

export interface CompareCurvePoint {
  run: string;
  seed: number;
  task: string;
  step: number;
  auc: number;
}

export function compareCurvePoints(groups: RunGroupData[], tasks: string[]): CompareCurvePoint[] {
  const out: CompareCurvePoint[] = [];
  for (const g of groups) {
    g.runs.forEach((run, seed) => {
      for (const e of run.evals) {
        if (e.split !== 'valid') continue;
        for (const task of tasks) {
          const auc = e.tasks[task]?.auc;
          if (typeof auc === 'number' && Number.isFinite(auc))
            out.push({ run: g.label, seed, task, step: e.step, auc });
        }
      }
    });
  }
  return out;
}

const legend = (labels: string[], symbol: 'stroke' | 'circle') =>
  ({
    field: 'run',
    type: 'nominal',
    title: 'run',
    sort: labels,
    legend: {
      orient: 'bottom',
      direction: 'vertical',
      columns: Math.min(2, labels.length),
      symbolType: symbol,
      symbolOpacity: 1,
      symbolStrokeWidth: 2.5,
    },
  }) as const;

export function compareCurveChart(groups: RunGroupData[], tasks: string[]): ChartSpec | undefined {
  const values = compareCurvePoints(groups, tasks);
  if (!values.length) return undefined;
  const labels = groups.map((g) => g.label);
  const seeds = groups.some((g) => g.runs.length > 1);
  const x = { field: 'step', type: 'quantitative', title: 'step' } as const;
  const color = legend(labels, 'stroke');
  const line = {
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x,
      y: { aggregate: 'mean', field: 'auc', type: 'quantitative', title: 'validation AUC', scale: { zero: false } },
      color,
    },
  };
  const band = {
    mark: { type: 'errorband', extent: 'stdev', opacity: 0.18 },
    encoding: { x, y: { field: 'auc', type: 'quantitative', title: 'validation AUC' }, color },
  };
  return {
    name: 'valid-auc',
    title: 'Validation AUC by step',
    spec: {
      title: seeds ? 'Validation AUC by step (mean over seeds, band ±1 std)' : 'Validation AUC by step',
      data: { values },
      facet: { field: 'task', type: 'nominal', title: null, sort: tasks },
      columns: 3,
      resolve: { scale: { y: 'independent' } },
      spec: { width: 250, height: 180, layer: seeds ? [band, line] : [line] },
    } as unknown as TopLevelSpec,
  };
}

export interface TestAucPoint {
  run: string;
  task: string;
  auc: number;
  std: number;
  n: number;
}

export function testAucPoints(groups: RunGroupData[], tasks: string[]): TestAucPoint[] {
  const out: TestAucPoint[] = [];
  for (const g of groups) {
    for (const task of tasks) {
      const s = meanStd(g.runs.map((r) => r.test?.[task]?.auc));
      if (s) out.push({ run: g.label, task, auc: s.mean, std: s.std, n: s.n });
    }
  }
  return out;
}

export function testAucChart(groups: RunGroupData[], tasks: string[]): ChartSpec | undefined {
  const values = testAucPoints(groups, tasks).map((p) => ({ ...p, lo: p.auc - p.std, hi: p.auc + p.std }));
  if (!values.length) return undefined;
  const labels = groups.map((g) => g.label);
  const x = {
    field: 'run',
    type: 'nominal',
    title: null,
    sort: labels,
    axis: { labels: false, ticks: false },
  } as const;
  const y = { field: 'auc', type: 'quantitative', title: 'test AUC', scale: { zero: false } } as const;
  return {
    name: 'test-auc',
    title: 'Test AUC per task',
    spec: {
      title: groups.some((g) => g.runs.length > 1) ? 'Test AUC per task (mean ± std over seeds)' : 'Test AUC per task',
      data: { values },
      facet: { field: 'task', type: 'nominal', title: null, sort: tasks },
      columns: 3,
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: Math.max(120, 34 * labels.length),
        height: 180,
        layer: [
          {
            mark: { type: 'rule', strokeWidth: 2 },
            encoding: {
              x,
              y: { field: 'lo', type: 'quantitative', title: 'test AUC', scale: { zero: false } },
              y2: { field: 'hi' },
              color: legend(labels, 'circle'),
            },
          },
          { mark: { type: 'point', filled: true, size: 80 }, encoding: { x, y, color: legend(labels, 'circle') } },
        ],
      },
    } as unknown as TopLevelSpec,
  };
}
