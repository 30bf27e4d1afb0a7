/**
 * sweep.html: every trial of a sweep in one table (its settings, how it ended, best step, per-task test AUC, time,
 * worker), mean ± sd over seeds per point, and the Pareto front of the trials over two task metrics (a trial is on
 * it when no other trial is at least as good on both and better on one; the dominated ones are greyed).
 */
import { join } from 'node:path';
import { paretoFront } from '../metrics/pareto.js';
import { chartFigure, renderChart, type RenderedChart } from './charts.js';
import { fmt, html, page, section, table, type Cell } from './html.js';
import { meanStd } from './stats.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { counted } from '../util/plural.js';

export interface SweepTrialRow {
  /** The point's settings (`path=value`), the same for all its seeds. */
  sets: string[];
  seed?: number;
  status: 'finished' | 'stopped' | 'failed' | 'pending' | 'running';
  /** Per task: the step with the best validation AUC (finished trials). */
  bestStep?: Record<string, number>;
  /** Per task test metrics (finished trials). */
  test?: Record<string, { auc?: number | null }>;
  seconds?: number;
  worker?: string;
  /** Early-stopped trials: where. */
  stoppedAt?: number;
  stepsTrained?: number;
  dir?: string;
}

export interface SweepReportOptions {
  title: string;
  out: string;
  /** The two task metrics of the Pareto chart, e.g. ['click', 'order'] (test AUC); default: the first two tasks. */
  paretoTasks?: [string, string];
}

const pointLabel = (t: SweepTrialRow) => t.sets.join(' ') || '(base config)';

/** Tasks in the order the trials report them. */
export function sweepTasks(trials: SweepTrialRow[]): string[] {
  const seen = new Set<string>();
  for (const t of trials) for (const k of Object.keys(t.test ?? {})) seen.add(k);
  return [...seen];
}

export interface ParetoPoint {
  trial: number;
  x: number;
  y: number;
  front: boolean;
}

/** Finished trials as points (test AUC of the two tasks) and whether each is on the Pareto front. */
export function paretoPoints(trials: SweepTrialRow[], tasks: [string, string]): ParetoPoint[] {
  const pts = trials
    .map((t, trial) => ({ trial, x: t.test?.[tasks[0]]?.auc, y: t.test?.[tasks[1]]?.auc, status: t.status }))
    .filter((p): p is { trial: number; x: number; y: number; status: 'finished' } => {
      return p.status === 'finished' && typeof p.x === 'number' && typeof p.y === 'number';
    });
  const front = new Set(paretoFront(pts.map((p) => [p.x, p.y])));
  return pts.map((p, i) => ({ trial: p.trial, x: p.x, y: p.y, front: front.has(i) }));
}

function paretoChart(trials: SweepTrialRow[], points: ParetoPoint[], tasks: [string, string]) {
  const values = points.map((p) => ({
    x: p.x,
    y: p.y,
    trial: `${pointLabel(trials[p.trial]!)}${trials[p.trial]!.seed !== undefined ? ` seed=${trials[p.trial]!.seed}` : ''}`,
    set: p.front ? 'Pareto front' : 'dominated',
  }));
  const front = values.filter((v) => v.set === 'Pareto front').sort((a, b) => a.x - b.x);
  return renderChart({
    name: 'pareto',
    title: `Pareto front: test AUC ${tasks[0]} vs ${tasks[1]}`,
    spec: {
      width: 560,
      height: 360,
      layer: [
        {
          data: { values: front },
          mark: { type: 'line', color: '#3b6fd8', interpolate: 'step-after', opacity: 0.5 },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
        },
        {
          data: { values },
          mark: { type: 'point', filled: true, size: 80 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: `test AUC ${tasks[0]}`, scale: { zero: false } },
            y: { field: 'y', type: 'quantitative', title: `test AUC ${tasks[1]}`, scale: { zero: false } },
            color: {
              field: 'set',
              type: 'nominal',
              title: null,
              scale: { domain: ['Pareto front', 'dominated'], range: ['#3b6fd8', '#c3c8d2'] },
            },
            tooltip: [{ field: 'trial' }, { field: 'x', format: '.4f' }, { field: 'y', format: '.4f' }],
          },
        },
      ],
    } as never,
  });
}

const statusCell = (t: SweepTrialRow): Cell =>
  t.status === 'stopped'
    ? { value: `stopped at ${t.stoppedAt ?? '?'}`, className: 'worse' }
    : t.status === 'failed'
      ? { value: 'failed', className: 'worse' }
      : t.status;

export async function writeSweepReport(trials: SweepTrialRow[], o: SweepReportOptions): Promise<string> {
  const tasks = sweepTasks(trials);
  const paretoTasks = o.paretoTasks ?? (tasks.length >= 2 ? ([tasks[0], tasks[1]] as [string, string]) : undefined);
  const points = paretoTasks ? paretoPoints(trials, paretoTasks) : [];
  const onFront = new Set(points.filter((p) => p.front).map((p) => p.trial));

  const trialTable = table(
    [
      'settings',
      'seed',
      'status',
      `best step (${tasks.join(' / ')})`,
      ...tasks.map((t) => `${t} test AUC`),
      'steps',
      'time (s)',
      'worker',
    ],
    trials.map((t, i) => [
      onFront.has(i) ? html`<strong>${pointLabel(t)}</strong>` : pointLabel(t),
      t.seed ?? '',
      statusCell(t),
      t.bestStep ? tasks.map((k) => t.bestStep![k] ?? '–').join(' / ') : '',
      ...tasks.map((k) => fmt(t.test?.[k]?.auc)),
      t.stepsTrained ?? '',
      t.seconds !== undefined ? t.seconds.toFixed(1) : '',
      t.worker ?? '',
    ]),
  );

  const byPoint = new Map<string, SweepTrialRow[]>();
  for (const t of trials) byPoint.set(pointLabel(t), [...(byPoint.get(pointLabel(t)) ?? []), t]);
  const seedTable = table(
    ['settings', 'finished seeds', ...tasks.map((t) => `${t} test AUC (mean ± sd)`)],
    [...byPoint].map(([label, group]) => {
      const done = group.filter((t) => t.status === 'finished');
      return [
        label,
        `${done.length} of ${group.length}`,
        ...tasks.map((k) => {
          const s = meanStd(done.map((t) => t.test?.[k]?.auc));
          return s ? `${fmt(s.mean)} ± ${fmt(s.std)}` : '';
        }),
      ];
    }),
  );

  const charts: RenderedChart[] = [];
  if (paretoTasks && points.length) charts.push(await paretoChart(trials, points, paretoTasks));
  const count = (s: SweepTrialRow['status']) => trials.filter((t) => t.status === s).length;
  const body = page({
    title: o.title,
    subtitle: counted(trials.length, 'trial'),
    figures: [
      { label: 'finished', value: String(count('finished')) },
      { label: 'stopped early', value: String(count('stopped')) },
      { label: 'failed', value: String(count('failed')) },
      { label: 'not done', value: String(count('pending') + count('running')) },
    ],
    sections: [
      section(
        'Trials',
        trialTable,
        'Bold: on the Pareto front. Early-stopped trials have no test AUC: they are never counted as finished.',
      ),
      section('Mean ± sd over seeds', seedTable, 'Sample standard deviation over the finished seeds of each point.'),
      ...(charts.length
        ? [
            section(
              'Pareto front',
              charts.map(chartFigure),
              `Finished trials by test AUC of ${paretoTasks![0]} and ${paretoTasks![1]}; grey points are dominated.`,
            ),
          ]
        : []),
    ],
  });
  const path = join(o.out, 'sweep.html');
  writeFileAtomic(path, body);
  return path;
}
