/**
 * The comparison report: several runs (or groups of seeds of one setting, from a sweep) side by side —
 * validation AUC curves per task, test AUC per task, and tables of final metrics with the difference
 * against the first run.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { chartFigure, renderChart, writeChartPngs, type ChartSpec, type RenderedChart } from './charts.js';
import { compareCurveChart, testAucChart } from './compare-charts.js';
import { diffLabels, differingPaths } from './config-diff.js';
import { fmt, html, page, section, table, type Cell, type Html } from './html.js';
import { readRun, type RunData } from './run-data.js';
import { meanStd } from './stats.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';
import { counted } from '../util/plural.js';

/** Runs that are one setting: a single run, or the seeds of one sweep point. */
export interface RunGroup {
  dirs: string[];
  name?: string;
}

export interface RunGroupData {
  name: string;
  label: string;
  runs: RunData[];
  config: Record<string, unknown>;
}

const METRICS = [
  { key: 'auc', title: 'Test AUC', higherIsBetter: true },
  { key: 'logloss', title: 'Test logloss', higherIsBetter: false },
  { key: 'gauc', title: 'Test GAUC', higherIsBetter: true },
] as const;
type MetricKey = (typeof METRICS)[number]['key'];

export function loadGroups(groups: RunGroup[]): RunGroupData[] {
  if (!groups.length || groups.some((g) => !g.dirs.length))
    throw new MtrankError('compare needs at least one run directory');
  const loaded = groups.map((g) => {
    const runs = g.dirs.map(readRun);
    return {
      name: g.name ?? (runs.length === 1 ? runs[0].name : basename(dirname(runs[0].dir))),
      runs,
      config: runs[0].config,
    };
  });
  // What varies among the runs of one group (their seed, at least) is not what tells the groups apart.
  const varying = new Set(loaded.flatMap((g) => differingPaths(g.runs.map((r) => r.config))));
  const labels = diffLabels(
    loaded.map((g) => g.config),
    loaded.map((g) => g.name),
    varying,
  );
  return loaded.map((g, i) => ({ ...g, label: labels[i] }));
}

export function compareTasks(groups: RunGroupData[]): string[] {
  const tasks: string[] = [];
  for (const g of groups) for (const r of g.runs) for (const t of r.tasks) if (!tasks.includes(t)) tasks.push(t);
  return tasks;
}

export interface MetricSummary {
  mean: number;
  std: number;
  n: number;
}
/** Per group, task and metric: mean ± std of the test metric over the group's runs. */
export type CompareSummary = {
  run: string;
  dirs: string[];
  test: Record<string, Partial<Record<MetricKey, MetricSummary>>>;
}[];

export function summarize(groups: RunGroupData[], tasks: string[]): CompareSummary {
  return groups.map((g) => ({
    run: g.label,
    dirs: g.runs.map((r) => r.dir),
    test: Object.fromEntries(
      tasks.map((t) => [
        t,
        Object.fromEntries(
          METRICS.flatMap((m) => {
            const s = meanStd(g.runs.map((r) => r.test?.[t]?.[m.key]));
            return s ? [[m.key, s]] : [];
          }),
        ),
      ]),
    ),
  }));
}

function valueCell(s: MetricSummary | undefined): string {
  if (!s) return '–';
  return s.n > 1 ? `${fmt(s.mean)} ± ${fmt(s.std)}` : fmt(s.mean);
}

function deltaCell(
  s: MetricSummary | undefined,
  ref: MetricSummary | undefined,
  higherIsBetter: boolean,
  isRef: boolean,
): Cell {
  if (isRef) return { value: 'reference', className: 'same' };
  if (!s || !ref) return '–';
  const d = s.mean - ref.mean;
  const className = Math.abs(d) < 5e-5 ? 'same' : d > 0 === higherIsBetter ? 'better' : 'worse';
  return { value: `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(4)}`, className };
}

function metricTable(summary: CompareSummary, tasks: string[], m: (typeof METRICS)[number]): Html | undefined {
  if (!summary.some((s) => tasks.some((t) => s.test[t]?.[m.key]))) return undefined;
  const head = ['run', ...tasks.flatMap((t) => [t, `Δ ${t}`])];
  const rows = summary.map(
    (s, i) =>
      [
        s.run,
        ...tasks.flatMap((t) => [
          valueCell(s.test[t]?.[m.key]),
          deltaCell(s.test[t]?.[m.key], summary[0].test[t]?.[m.key], m.higherIsBetter, i === 0),
        ]),
      ] as Cell[],
  );
  return html`<h3>${m.title}</h3>
    ${table(head, rows)}`;
}

export interface CompareReport {
  html: string;
  charts: RenderedChart[];
  summary: CompareSummary;
}

export async function buildCompareReport(groups: RunGroupData[], title = 'Comparison'): Promise<CompareReport> {
  const tasks = compareTasks(groups);
  const specs = [compareCurveChart(groups, tasks), testAucChart(groups, tasks)].filter((c): c is ChartSpec => !!c);
  const charts: RenderedChart[] = [];
  for (const s of specs) charts.push(await renderChart(s));
  const summary = summarize(groups, tasks);
  const seeds = Math.max(...groups.map((g) => g.runs.length));
  const runList = table(
    ['run', 'directories'],
    groups.map((g) => [g.label, html`${g.runs.map((r) => html`<div>${r.dir}</div>`)}`]),
  );
  const sections = [
    section(
      'Validation AUC',
      charts.map(chartFigure),
      'One panel per task, one line per run; runs are named by what differs between their configs.',
    ),
    section(
      'Final metrics',
      METRICS.map((m) => metricTable(summary, tasks, m)),
      `Differences are against the first run${seeds > 1 ? ' (means over seeds; values are mean ± sample std)' : ''}; green is better, red worse.`,
    ),
    section('Runs', runList),
  ];
  const figures = [
    { label: 'runs', value: String(groups.length) },
    { label: 'tasks', value: tasks.join(', ') },
  ];
  if (seeds > 1) figures.push({ label: 'seeds per run', value: String(seeds) });
  return {
    html: page({
      title,
      subtitle:
        seeds > 1
          ? `${counted(groups.length, 'setting')} compared, up to ${seeds} seeds each`
          : `${counted(groups.length, 'run')} compared`,
      figures,
      sections,
    }),
    charts,
    summary,
  };
}

/** PNG copies go next to the page: compare.html → compare-charts/*.png. */
export function chartDirFor(out: string): string {
  return join(dirname(out), `${basename(out).replace(/\.html?$/i, '')}-charts`);
}

/** Writes the comparison page (and its summary as JSON beside it, and PNG charts); returns the page's path. */
export async function writeCompareReport(
  groups: RunGroup[],
  opts: { out?: string; png?: boolean; title?: string } = {},
): Promise<string> {
  const out = resolve(opts.out ?? 'compare.html');
  const report = await buildCompareReport(loadGroups(groups), opts.title);
  writeFileAtomic(out, report.html);
  writeFileAtomic(out.replace(/\.html?$/i, '') + '.json', JSON.stringify(report.summary, null, 2) + '\n');
  if (opts.png !== false) writeChartPngs(report.charts, chartDirFor(out));
  return out;
}
