/**
 * The run report's chart specs (vega-lite, data inline). Each builder returns undefined when the run has
 * nothing to show, so the report simply leaves the chart out.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from './charts.js';
import { bestSteps, type RunData } from './run-data.js';
import type { FusionView } from './fusion-view.js';
import type { CalibrationFile } from '../fusion/calibration.js';

const PANEL = { width: 250, height: 170 };

export interface CurvePoint {
  task: string;
  split: string;
  step: number;
  value: number;
  best: boolean;
}

/** Per-task train/valid curves of one metric; rows at a task's best validation step carry `best: true`. */
export function curvePoints(run: RunData, metric: 'auc' | 'logloss'): CurvePoint[] {
  const best = bestSteps(run);
  const out: CurvePoint[] = [];
  for (const e of run.evals) {
    for (const task of run.tasks) {
      const v = e.tasks[task]?.[metric];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      out.push({ task, split: e.split, step: e.step, value: v, best: e.split === 'valid' && best[task] === e.step });
    }
  }
  return out;
}

export function curveChart(run: RunData, metric: 'auc' | 'logloss'): ChartSpec | undefined {
  const values = curvePoints(run, metric);
  if (!values.length) return undefined;
  const label = metric === 'auc' ? 'AUC' : 'logloss';
  const x = { field: 'step', type: 'quantitative', title: 'step' } as const;
  const y = { field: 'value', type: 'quantitative', title: label, scale: { zero: false } } as const;
  const spec = {
    title: `${label} by step (train and validation; dashed line = best validation step)`,
    data: { values },
    facet: { field: 'task', type: 'nominal', title: null, sort: run.tasks },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      ...PANEL,
      layer: [
        {
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x,
            y,
            color: {
              field: 'split',
              type: 'nominal',
              title: 'split',
              scale: { domain: ['train', 'valid'], range: ['#9aa5b8', '#3b6fd8'] },
            },
          },
        },
        {
          transform: [{ filter: 'datum.best' }],
          mark: { type: 'rule', strokeDash: [5, 4], color: '#e8833a' },
          encoding: { x },
        },
        {
          transform: [{ filter: 'datum.best' }],
          mark: { type: 'point', filled: true, size: 60, color: '#e8833a' },
          encoding: { x, y },
        },
        {
          transform: [{ filter: 'datum.best' }, { calculate: "'best ' + datum.step", as: 'label' }],
          mark: { type: 'text', align: 'left', dx: 5, dy: -8, fontSize: 11, color: '#b35a1c' },
          encoding: { x, y, text: { field: 'label' } },
        },
      ],
    },
  };
  return { name: `${metric}-by-step`, title: `${label} by step`, spec: spec as unknown as TopLevelSpec };
}

interface TaskValue {
  task: string;
  step: number;
  value: number;
}

/** One line per task over steps: the shape of the loss-weight and training-loss charts. */
function perTaskLines(
  run: RunData,
  values: TaskValue[],
  c: { name: string; title: string; heading: string; yTitle: string; points?: boolean; yScale?: object },
): ChartSpec | undefined {
  if (!values.length) return undefined;
  return {
    name: c.name,
    title: c.title,
    spec: {
      title: c.heading,
      width: 520,
      height: 200,
      data: { values },
      mark: { type: 'line', point: c.points ?? false, strokeWidth: c.points ? 2 : 1.5 },
      encoding: {
        x: { field: 'step', type: 'quantitative' },
        y: { field: 'value', type: 'quantitative', title: c.yTitle, ...(c.yScale ? { scale: c.yScale } : {}) },
        color: { field: 'task', type: 'nominal', sort: run.tasks },
      },
    },
  };
}

/** Loss weights per task as logged with each evaluation (adaptive methods move them; static ones stay flat). */
export function lossWeightChart(run: RunData): ChartSpec | undefined {
  const values: TaskValue[] = [];
  const seen = new Set<number>();
  for (const e of run.evals) {
    if (!e.lossWeights || seen.has(e.step)) continue;
    seen.add(e.step);
    for (const task of run.tasks) {
      const w = e.lossWeights[task];
      if (typeof w === 'number' && Number.isFinite(w)) values.push({ task, step: e.step, value: w });
    }
  }
  return perTaskLines(run, values, {
    name: 'loss-weights',
    title: 'Loss weights over time',
    heading: 'Loss weight per task by step',
    yTitle: 'loss weight',
    points: true,
  });
}

/** Each task's training loss (the unweighted task loss the trainer logs every few steps). */
export function trainLossChart(run: RunData): ChartSpec | undefined {
  const values: TaskValue[] = [];
  for (const r of run.train) {
    for (const task of run.tasks) {
      const l = r.taskLoss?.[task];
      if (typeof l === 'number' && Number.isFinite(l)) values.push({ task, step: r.step, value: l });
    }
  }
  return perTaskLines(run, values, {
    name: 'train-loss',
    title: 'Training loss',
    heading: 'Training loss per task by step',
    yTitle: 'task loss',
    yScale: { type: 'symlog' },
  });
}

/**
 * The fusion objective over two task weights (the others fixed at their best) of the deployed form's search, best
 * cell outlined; none when no cell has a value (an empty chart says nothing).
 */
export function fusionHeatmapChart(f: FusionView): ChartSpec | undefined {
  const h = f.heatmap;
  if (!h?.values.some((r) => r.some(Number.isFinite))) return undefined;
  const values: { x: number; y: number; value: number | null; best: boolean }[] = [];
  for (let i = 0; i < h.y.weights.length; i++) {
    for (let j = 0; j < h.x.weights.length; j++) {
      const v = h.values[i][j];
      const x = h.x.weights[j],
        y = h.y.weights[i];
      values.push({
        x,
        y,
        value: Number.isFinite(v) ? v : null,
        best: near(f.best?.weights[h.x.task], x) && near(f.best?.weights[h.y.task], y),
      });
    }
  }
  const fixed = Object.entries(h.fixed)
    .map(([t, w]) => `${t}=${fmtWeight(w)}`)
    .join(', ');
  const x = {
    field: 'x',
    type: 'ordinal',
    title: `weight of ${h.x.task}`,
    axis: { labelAngle: 0, format: '.2~f' },
  } as const;
  const y = {
    field: 'y',
    type: 'ordinal',
    title: `weight of ${h.y.task}`,
    sort: 'descending',
    axis: { format: '.2~f' },
  } as const;
  return {
    name: 'fusion-heatmap',
    title: 'Fusion objective heatmap',
    spec: {
      title: `${f.objectiveLabel} over ${h.x.task} × ${h.y.task} weights${f.form ? `, ${f.form} form` : ''}${fixed ? ` (${fixed})` : ''}`,
      data: { values },
      width: Math.min(440, 26 * h.x.weights.length),
      height: Math.min(440, 26 * h.y.weights.length),
      layer: [
        {
          mark: 'rect',
          encoding: {
            x,
            y,
            color: { field: 'value', type: 'quantitative', title: f.objectiveLabel, scale: { scheme: 'viridis' } },
          },
        },
        {
          transform: [{ filter: 'datum.best' }],
          mark: { type: 'rect', fill: null, stroke: '#e8833a', strokeWidth: 3 },
          encoding: { x, y },
        },
      ],
    } as unknown as TopLevelSpec,
  };
}

function near(a: number | undefined, b: number): boolean {
  return a !== undefined && Math.abs(a - b) < 1e-9;
}
export function fmtWeight(w: number): string {
  return String(Number(w.toFixed(4)));
}

/** The two tasks the Pareto chart shows: the rarest (fewest valid positives) on y, the most frequent on x. */
export function paretoAxes(f: FusionView, tasks: string[]): [string, string] | undefined {
  if (tasks.length < 2) return undefined;
  const positives = f.deploy?.positives?.valid;
  const order = positives ? [...tasks].sort((a, b) => (positives[b] ?? 0) - (positives[a] ?? 0)) : tasks;
  return [order[0], order[order.length - 1]];
}

/**
 * The Pareto front over two tasks' AUCs: dominated rankings greyed, front points (non-dominated over all tasks)
 * in blue, the chosen weights in orange; valid beside test (test has only the front points and the chosen one).
 */
export function paretoChart(f: FusionView, tasks: string[]): ChartSpec | undefined {
  const axes = paretoAxes(f, tasks);
  if (!f.pareto || !axes) return undefined;
  const [tx, ty] = axes;
  const values: { x: number; y: number; split: string; kind: string }[] = [];
  for (const a of f.pareto.dominated) values.push({ x: a[tx], y: a[ty], split: 'valid', kind: 'dominated' });
  for (const p of f.pareto.points) {
    const kind = p.chosen ? 'chosen' : 'front';
    values.push({ x: p.aucs[tx], y: p.aucs[ty], split: 'valid', kind });
    if (p.test) values.push({ x: p.test[tx], y: p.test[ty], split: 'test', kind });
  }
  const kinds = ['dominated', 'front', 'chosen'];
  return {
    name: 'fusion-pareto',
    title: 'Pareto front of the output weights',
    spec: {
      title: `AUC(${ty}) against AUC(${tx}) per weight vector (front over all ${tasks.length} tasks; grey: dominated)`,
      data: { values: values.filter((v) => Number.isFinite(v.x) && Number.isFinite(v.y)) },
      facet: { field: 'split', type: 'nominal', title: null, sort: ['valid', 'test'] },
      resolve: { scale: { x: 'independent', y: 'independent' } },
      spec: {
        ...PANEL,
        encoding: {
          x: { field: 'x', type: 'quantitative', title: `AUC ${tx}`, scale: { zero: false } },
          y: { field: 'y', type: 'quantitative', title: `AUC ${ty}`, scale: { zero: false } },
          color: {
            field: 'kind',
            type: 'nominal',
            title: null,
            scale: { domain: kinds, range: ['#c9ced8', '#3b6fd8', '#e8833a'] },
          },
        },
        // the chosen point drawn last and larger, so the front never hides it
        layer: [
          { transform: [{ filter: "datum.kind !== 'chosen'" }], mark: { type: 'point', filled: true, size: 18 } },
          {
            transform: [{ filter: "datum.kind === 'chosen'" }],
            mark: { type: 'point', filled: true, size: 160, stroke: '#1d2433', strokeWidth: 1 },
          },
        ],
      },
    } as unknown as TopLevelSpec,
  };
}

/**
 * Reliability diagram per task: mean predicted probability against the label rate in equal-count bins, before
 * (raw, label-weighted) and after calibration, each against the diagonal (perfect calibration).
 */
export function reliabilityChart(cal: CalibrationFile, tasks: string[]): ChartSpec | undefined {
  const values: { task: string; stage: string; p: number; rate: number; kind: string }[] = [];
  for (const task of tasks) {
    const r = cal.tasks[task]?.reliability;
    if (!r) continue;
    for (const [stage, bins] of [
      ['before', r.before],
      ['after', r.after],
    ] as const) {
      for (const b of bins) values.push({ task, stage, p: b.p, rate: b.rate, kind: 'bins' });
      const top = Math.max(...bins.map((b) => Math.max(b.p, b.rate)));
      values.push({ task, stage, p: 0, rate: 0, kind: 'ideal' }, { task, stage, p: top, rate: top, kind: 'ideal' });
    }
  }
  if (!values.length) return undefined;
  return {
    name: 'calibration',
    title: 'Reliability diagrams',
    spec: {
      title: 'Label rate against mean prediction (10 equal-count bins; dashed: perfect calibration)',
      data: { values },
      facet: {
        row: { field: 'stage', type: 'nominal', title: null, sort: ['before', 'after'] },
        column: { field: 'task', type: 'nominal', title: null, sort: tasks },
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
      spec: {
        width: 200,
        height: 150,
        encoding: {
          x: { field: 'p', type: 'quantitative', title: 'mean prediction' },
          y: { field: 'rate', type: 'quantitative', title: 'label rate' },
        },
        layer: [
          {
            transform: [{ filter: "datum.kind === 'ideal'" }],
            mark: { type: 'line', strokeDash: [4, 3], color: '#9aa5b8' },
          },
          {
            transform: [{ filter: "datum.kind === 'bins'" }],
            mark: { type: 'line', point: true, color: '#3b6fd8' },
          },
        ],
      },
    } as unknown as TopLevelSpec,
  };
}
