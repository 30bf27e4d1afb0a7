/**
 * The run report: one self-contained HTML page (inline CSS and SVG, no script, no network) for a run
 * directory, plus PNG copies of its charts in RUN_DIR/charts/.
 */
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { chartFigure, renderChart, writeChartPngs, type ChartSpec, type RenderedChart } from './charts.js';
import { coldStartColumns, coldStartFromJson, coldStartFromPredictions, type ColdStartRow } from './cold-start.js';
import { fusionView, type BootstrapView, type DeployView, type FusionView } from './fusion-view.js';
import { fmt, html, page, section, table, type Cell, type Html } from './html.js';
import { serveSection } from './serve-hint.js';
import {
  curveChart,
  fmtWeight,
  fusionHeatmapChart,
  lossWeightChart,
  paretoChart,
  reliabilityChart,
  trainLossChart,
} from './run-charts.js';
import { bestSteps, readRun, type RunData } from './run-data.js';
import { funnelOracleFor, testNoise, type OracleView, type TestNoise } from './test-noise.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';

export interface RunReport {
  html: string;
  charts: RenderedChart[];
  /** The cold-start table's rows (seen / unseen / unseen-with-a-pretrained-vector slices), when the run has one. */
  coldStart?: ColdStartRow[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const taskConfig = (run: RunData, task: string): Obj => {
  const tasks = run.config.tasks;
  return isObj(tasks) && isObj(tasks[task]) ? tasks[task] : {};
};
const show = (v: unknown): string => (v === undefined ? '–' : typeof v === 'string' ? v : JSON.stringify(v));

function lastStep(run: RunData): number | undefined {
  const steps = [...run.train.map((r) => r.step), ...run.evals.map((e) => e.step)];
  return steps.length ? Math.max(...steps) : undefined;
}

function headerFigures(run: RunData): { label: string; value: string }[] {
  const figures = run.tasks
    .filter((t) => typeof run.test?.[t]?.auc === 'number')
    .map((t) => ({ label: `test AUC · ${t}`, value: fmt(run.test![t].auc) }));
  const steps = lastStep(run);
  if (steps !== undefined) figures.push({ label: 'steps', value: String(steps) });
  const eps = run.metrics?.trainExamplesPerSec;
  if (typeof eps === 'number')
    figures.push({ label: 'train examples/s', value: Math.round(eps).toLocaleString('en-US') });
  const rss = run.metrics?.peakRssMb;
  if (typeof rss === 'number') figures.push({ label: 'peak RSS', value: `${Math.round(rss)} MB` });
  return figures;
}

function subtitle(run: RunData): string {
  const model = isObj(run.config.model) ? run.config.model.type : undefined;
  const training = isObj(run.config.training) ? run.config.training : {};
  const weighting = isObj(training.lossWeighting) ? training.lossWeighting.method : undefined;
  return [
    model ? `model ${show(model)}` : '',
    `tasks ${run.tasks.join(', ')}`,
    weighting ? `loss weighting ${show(weighting)}` : '',
    run.config.seed !== undefined ? `seed ${show(run.config.seed)}` : '',
    run.metrics ? '' : 'unfinished run (no metrics.json yet)',
  ]
    .filter(Boolean)
    .join(' · ');
}

function weightsTable(run: RunData): Html {
  return table(
    ['task', 'label', 'label weight (config)', 'label weight used', 'loss weight (config)'],
    run.tasks.map((t) => {
      const c = taskConfig(run, t);
      const used = run.labelWeights?.[t];
      return [t, show(c.label), show(c.labelWeight), used === undefined ? '–' : fmtWeight(used), show(c.lossWeight)];
    }),
  );
}

function testTable(run: RunData): Html | undefined {
  if (!run.test) return undefined;
  const best = bestSteps(run);
  return table(
    ['task', 'AUC', 'logloss', 'GAUC', 'mean prediction', 'label rate', 'calibration (pred / rate)', 'best valid step'],
    run.tasks.map((t) => {
      const m = run.test![t] ?? {};
      const ratio =
        typeof m.meanPred === 'number' && typeof m.labelRate === 'number' && m.labelRate > 0
          ? m.meanPred / m.labelRate
          : undefined;
      return [
        t,
        fmt(m.auc),
        fmt(m.logloss),
        fmt(m.gauc),
        fmt(m.meanPred, 5),
        fmt(m.labelRate, 5),
        fmt(ratio, 3),
        best[t] === undefined ? '–' : String(best[t]),
      ];
    }),
  );
}

/**
 * Which oracle columns the noise table shows: the oracle only for tasks whose positives match the run's test
 * labels (the same rows); the attainable ceiling when the oracle file has it (files written before it have none).
 */
function oracleShown(run: RunData, noise: TestNoise, oracle: OracleView | undefined) {
  const same = (t: string): boolean => oracle !== undefined && oracle.positives[t] === noise.tasks[t]?.positives;
  return {
    same,
    oracle: run.tasks.some(same),
    ceiling: run.tasks.some((t) => same(t) && typeof oracle?.aucAttainable[t] === 'number'),
  };
}

/**
 * Test AUC with its noise (positives, bootstrap interval) beside the oracle's and the attainable ceiling when the
 * data is the synthetic funnel.
 */
function noiseTable(run: RunData, noise: TestNoise, oracle: OracleView | undefined): Html {
  const shown = oracleShown(run, noise, oracle);
  const head = ['task', 'test AUC', '95% interval', 'positives', 'rows'];
  if (shown.oracle) head.push('oracle AUC', 'model − oracle');
  if (shown.ceiling) head.push('attainable ceiling', 'model − ceiling');
  if (shown.oracle) head.push('oracle w/o user × item affinity');
  const gap = (a: number | undefined, b: number | null | undefined) =>
    typeof a === 'number' && typeof b === 'number' ? fmt(a - b) : '–';
  return table(
    head,
    run.tasks.map((t) => {
      const n = noise.tasks[t],
        a = run.test?.[t]?.auc ?? undefined;
      const row: Cell[] = [
        t,
        fmt(a),
        n && Number.isFinite(n.lo) ? `${fmt(n.lo)} – ${fmt(n.hi)}` : '–',
        n ? String(n.positives) : '–',
        n ? String(n.rows) : '–',
      ];
      const o = shown.same(t) ? oracle : undefined;
      if (shown.oracle) row.push(fmt(o?.auc[t]), gap(a, o?.auc[t]));
      if (shown.ceiling) row.push(fmt(o?.aucAttainable[t]), gap(a, o?.aucAttainable[t]));
      if (shown.oracle) row.push(fmt(o?.aucNoAffinity[t]));
      return row;
    }),
  );
}

function fusionTable(f: FusionView, tasks: string[]): Html {
  const withAucs = f.top.some((c) => c.aucs);
  const head = [
    'rank',
    ...tasks.map((t) => `w ${t}`),
    f.objectiveLabel,
    ...(withAucs ? tasks.map((t) => `AUC ${t}`) : []),
  ];
  return table(
    head,
    f.top.map(
      (c, i) =>
        [
          String(i + 1),
          ...tasks.map((t) => (c.weights[t] === undefined ? '–' : fmtWeight(c.weights[t]))),
          fmt(c.objective),
          ...(withAucs ? tasks.map((t) => fmt(c.aucs?.[t])) : []),
        ] as Cell[],
    ),
  );
}

/** Each task's AUC on its own score vs on the fused score: what the fusion costs or buys per task. */
function fusionAucTable(f: FusionView, tasks: string[]): Html | undefined {
  const b = f.best;
  if (!b?.aucs && !b?.testAucs) return undefined;
  const cols: [string, Record<string, number> | undefined][] = [
    ['own score, valid', f.base?.valid],
    ['fused, valid', b.aucs],
    ['own score, test', f.base?.test],
    ['fused, test', b.testAucs],
  ];
  const shown = cols.filter(([, v]) => v);
  return table(
    ['task AUC', ...shown.map(([h]) => h)],
    tasks.map((t) => [t, ...shown.map(([, v]) => fmt(v![t]))]),
  );
}

function fusionSummary(f: FusionView, tasks: string[]): string {
  if (!f.best) return '';
  const w = tasks
    .filter((t) => f.best!.weights[t] !== undefined)
    .map((t) => `${t} ${fmtWeight(f.best!.weights[t])}`)
    .join(', ');
  const parts = [`Best ${f.form ?? ''} weights: ${w}`.replace('  ', ' ')];
  if (f.best.objective !== undefined) parts.push(`${f.objectiveLabel} ${fmt(f.best.objective)} on validation`);
  if (f.best.test !== undefined) parts.push(`${fmt(f.best.test)} on test`);
  return parts.join(' · ') + '.';
}

const signed = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '–' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

/** Normalised weights sum to 1; the rank and expected-value forms deploy theirs as searched. */
const sumsToOne = (w: Record<string, number>): boolean =>
  Math.abs(Object.values(w).reduce((a, b) => a + b, 0) - 1) < 1e-9;

/** A change with its bootstrap 95% interval (tasks with few positives): the interval, not bare decimals. */
const withInterval = (x: number | undefined, ci: [number, number] | undefined): string =>
  ci ? `${signed(x)} (95% ${signed(ci[0])} to ${signed(ci[1])})` : signed(x);

/** The top candidates' objective with bootstrap intervals; the chosen one marked, statistical ties noted. */
function bootstrapTable(b: BootstrapView, tasks: string[], label: string): Html {
  return html`<p>
      Bootstrap: ${label} on ${b.resamples} paired resamples by ${b.by}, 95% intervals of the top
      ${b.candidates.length}. Chosen:
      ${
        b.reason === 'cheaper'
          ? 'a candidate statistically tied with the point-best that costs the other tasks less'
          : b.reason === 'beaten'
            ? 'the best candidate not clearly beaten (the point-best was)'
            : 'the point-best'
      }.
    </p>
    ${table(
      ['rank', ...tasks.map((t) => `w ${t}`), label, '95% interval', 'tied with the leader'],
      b.candidates
        .slice(0, Math.max(10, b.chosen + 1))
        .map(
          (c, i) =>
            [
              i === b.chosen ? `${i + 1} (chosen)` : String(i + 1),
              ...tasks.map((t) => (c.weights[t] === undefined ? '–' : fmtWeight(c.weights[t]))),
              fmt(c.objective),
              `${fmt(c.lo)} to ${fmt(c.hi)}`,
              c.tied ? 'yes' : 'no',
            ] as Cell[],
        ),
    )}`;
}

/** The closing "Deploy" box: formula, each task's AUC change against its own score, warnings. */
function deployBox(d: DeployView, tasks: string[]): Html {
  const pos = (split: 'valid' | 'test', t: string) => {
    const n = d.positives?.[split]?.[t];
    return n === undefined ? '–' : n.toLocaleString('en-US');
  };
  return html`<div class="deploy">
    <h3>Deploy</h3>
    <pre class="config">${d.formula}</pre>
    ${table(
      [
        'task',
        sumsToOne(d.weights) ? 'weight (sum 1)' : 'weight (as searched)',
        'AUC change, valid',
        'AUC change, test',
        'positives valid',
        'positives test',
      ],
      tasks.map((t) => [
        t,
        { value: fmtWeight(d.weights[t] ?? 0), className: 'num' },
        {
          value: withInterval(d.changes[t]?.valid, d.intervals?.valid?.[t]),
          className: (d.changes[t]?.valid ?? 0) < -0.005 ? 'worse' : 'same',
        },
        {
          value: withInterval(d.changes[t]?.test, d.intervals?.test?.[t]),
          className: (d.changes[t]?.test ?? 0) < -0.005 ? 'worse' : 'same',
        },
        { value: pos('valid', t), className: 'num' },
        { value: pos('test', t), className: 'num' },
      ]),
    )}
    ${
      d.warnings.length
        ? html`<ul class="warnings">
            ${d.warnings.map((w) => html`<li>${w}</li>`)}
          </ul>`
        : html`<p>No warnings.</p>`
    }
  </div>`;
}

function coldStartTable(rows: ColdStartRow[]): Html {
  const count = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n.toLocaleString('en-US') : '–');
  const cols = coldStartColumns(rows);
  return table(
    ['task', ...cols.map((c) => c.head)],
    rows.map((r) => [r.task, ...cols.map((c) => (c.kind === 'auc' ? fmt(c.value(r)) : count(c.value(r))))]),
  );
}

function coldStart(run: RunData): ColdStartRow[] | undefined {
  return (
    coldStartFromJson(run.coldStart, run.tasks) ??
    coldStartFromPredictions(join(run.dir, 'predictions', 'test.csv'), run.tasks)
  );
}

export async function buildRunReport(run: RunData): Promise<RunReport> {
  const fusion = run.fusion === undefined ? undefined : fusionView(run.fusion, join(run.dir, 'fusion.json'));
  const specs = {
    auc: curveChart(run, 'auc'),
    logloss: curveChart(run, 'logloss'),
    lossWeights: lossWeightChart(run),
    trainLoss: trainLossChart(run),
    heatmap: fusion ? fusionHeatmapChart(fusion) : undefined,
    pareto: fusion ? paretoChart(fusion, run.tasks) : undefined,
    calibration: run.calibration ? reliabilityChart(run.calibration, run.tasks) : undefined,
  };
  const rendered: Partial<Record<keyof typeof specs, RenderedChart>> = {};
  for (const [k, spec] of Object.entries(specs) as [keyof typeof specs, ChartSpec | undefined][]) {
    if (spec) rendered[k] = await renderChart(spec);
  }
  const fig = (c?: RenderedChart) => (c ? chartFigure(c) : '');
  const sections: Html[] = [];

  if (rendered.auc || rendered.logloss) {
    sections.push(
      section(
        'Validation and training curves',
        [fig(rendered.auc), fig(rendered.logloss)],
        'Per task; the dashed line marks the step with the best validation AUC. A sparse task that peaks early and then falls while the others still rise is overfitting.',
      ),
    );
  } else {
    sections.push(section('Validation and training curves', html`<p>No evaluation records in metrics.jsonl yet.</p>`));
  }
  const testT = testTable(run);
  if (testT)
    sections.push(
      section(
        'Test metrics',
        testT,
        'Calibration is the mean prediction over the label rate: above 1 the model over-predicts (expected after up-weighting positives).',
      ),
    );
  // A predictions file the loader rejects (a bad value): say so instead of failing the report.
  const noise = await testNoise(join(run.dir, 'predictions', 'test.csv'), run.tasks).catch((e: unknown) =>
    e instanceof MtrankError ? e.message : Promise.reject(e),
  );
  if (typeof noise === 'string')
    sections.push(section('How far the test AUC can be trusted', html`<p>Not computed: ${noise}</p>`));
  else if (noise) {
    const oracle = funnelOracleFor(run.config),
      shown = oracleShown(run, noise, oracle);
    sections.push(
      section(
        'How far the test AUC can be trusted, and what the data allows',
        noiseTable(run, noise, oracle),
        `The interval is the 2.5%–97.5% range of the test AUC over ${noise.resamples} bootstrap resamples (by ${noise.by === 'group' ? 'user' : 'row'}); two runs whose AUCs differ by less than its width are not told apart by this test set.` +
          (shown.oracle
            ? ' Oracle: the AUC of the probabilities the synthetic labels were drawn with (no model ranks better in expectation); without the user × item affinity term it shows what models that do not learn that interaction can reach.'
            : '') +
          (shown.ceiling
            ? ` Attainable ceiling: the oracle without what neither the training days nor the columns reveal (the latent vectors and biases of users and items with fewer than ${oracle?.minCount ?? 'minCount'} training rows), the best a model trained on these days can do in expectation; model − ceiling is what is left to learn.`
            : ''),
      ),
    );
  }
  sections.push(
    section(
      'Weights',
      [weightsTable(run), fig(rendered.lossWeights), fig(rendered.trainLoss)],
      'Label weights multiply the loss of positive examples; loss weights multiply each task loss in the total.',
    ),
  );
  if (run.calibration) {
    const cal = run.calibration;
    sections.push(
      section(
        'Calibrated probabilities',
        [
          table(
            ['task', 'label weight', 'method', 'ECE before', 'ECE after', 'on'],
            run.tasks
              .filter((t) => cal.tasks[t])
              .map((t) => {
                const c = cal.tasks[t];
                return [
                  t,
                  fmt(c.labelWeight, 3),
                  c.method,
                  fmt(c.ece?.before, 5),
                  fmt(c.ece?.after, 5),
                  c.ece?.split ?? '–',
                ];
              }),
          ),
          fig(rendered.calibration),
        ],
        'p′ = p / (p + w·(1 − p)) undoes label weight w; Platt or isotonic (fitted on valid) may follow. Expected calibration error over 10 equal-count bins. predict outputs the calibrated probabilities.',
      ),
    );
  }
  if (fusion) {
    sections.push(
      section('Output weights (fusion)', [
        html`<p>${fusionSummary(fusion, run.tasks)}</p>`,
        fusionAucTable(fusion, run.tasks),
        fig(rendered.pareto),
        fig(rendered.heatmap),
        fusion.top.length
          ? html`<h3>Top combinations</h3>
              ${fusionTable(fusion, run.tasks)}`
          : '',
        fusion.bootstrap ? bootstrapTable(fusion.bootstrap, run.tasks, fusion.objectiveLabel) : '',
        fusion.deploy ? deployBox(fusion.deploy, run.tasks) : '',
      ]),
    );
  }
  const cold = coldStart(run);
  if (cold) {
    const pre = cold.some((r) => r.unseenPretrained)
      ? ' "Unseen, pretrained": the unseen rows whose item has a vector from the pretrained file (vocabulary extended from it); "unseen, new": those whose item has none (the out-of-vocabulary row).'
      : '';
    sections.push(
      section(
        'Cold start',
        coldStartTable(cold),
        `Test AUC on rows whose item appeared in training vs rows whose item did not.${pre}`,
      ),
    );
  }
  sections.push(serveSection(run));
  const yaml = toYaml(run.config);
  sections.push(
    section(
      'Resolved config',
      html`<details>
        <summary>${yaml.split('\n').length - 1} lines of YAML, every default filled in</summary>
        <pre class="config">${yaml}</pre>
      </details>`,
    ),
  );

  const charts = Object.values(rendered).filter((c): c is RenderedChart => !!c);
  return {
    html: page({ title: `Run ${run.name}`, subtitle: subtitle(run), figures: headerFigures(run), sections }),
    charts,
    ...(cold ? { coldStart: cold } : {}),
  };
}

/** Writes RUN_DIR/report.html (and RUN_DIR/charts/*.png unless png is false); returns the report's path. */
export async function writeRunReport(runDir: string, opts: { png?: boolean } = {}): Promise<string> {
  const run = readRun(runDir);
  const report = await buildRunReport(run);
  const path = join(run.dir, 'report.html');
  writeFileAtomic(path, report.html);
  if (opts.png !== false) writeChartPngs(report.charts, join(run.dir, 'charts'));
  return path;
}
