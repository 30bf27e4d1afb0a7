import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRunReport, writeRunReport, type RunReport } from '../../src/report/run-report.js';
import { readRun } from '../../src/report/run-data.js';
import { scopeSvgIds } from '../../src/report/charts.js';
import { html, raw } from '../../src/report/html.js';
import { MtrankError } from '../../src/util/errors.js';
import { writeFixtureRun } from './fixture-run.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The log read back independently of the report code. */
function logRecords(dir: string): any[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

const dataOf = (spec: any) => spec.data.values as any[];

describe('run report', () => {
  const dir = join(root, 'full');
  writeFixtureRun(dir, { fusion: true, predictions: true, adaptive: true, orderPeak: 400 });
  let report: RunReport;
  beforeAll(async () => {
    report = await buildRunReport(readRun(dir));
  });

  it('plots every task × split series of AUC and logloss with the points of the log', async () => {
    const evals = logRecords(dir).filter((r) => r.type === 'eval');
    for (const metric of ['auc', 'logloss'] as const) {
      const chart = report.charts.find((c) => c.name === `${metric}-by-step`)!;
      const values = dataOf(chart.spec);
      for (const task of ['click', 'cart', 'order']) {
        for (const split of ['train', 'valid']) {
          const expected = evals.filter((e) => e.split === split).map((e) => [e.step, e.tasks[task][metric]]);
          const got = values.filter((v) => v.task === task && v.split === split).map((v) => [v.step, v.value]);
          expect(got).toEqual(expected);
        }
      }
      // The facet headers name the tasks in the rendered SVG.
      for (const task of ['click', 'cart', 'order']) expect(chart.svg).toContain(`>${task}</text>`);
    }
  });

  it("marks each task's best validation step (from metrics.json), and only that one", async () => {
    const bestStep = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).bestStep;
    // Independent: the best step is where the logged validation AUC is highest.
    const evals = logRecords(dir).filter((r) => r.type === 'eval' && r.split === 'valid');
    for (const task of ['click', 'cart', 'order']) {
      const argmax = evals.reduce((a, b) => (b.tasks[task].auc > a.tasks[task].auc ? b : a)).step;
      expect(bestStep[task]).toBe(argmax);
    }
    expect(bestStep.order).toBeLessThan(bestStep.click); // the fixture's order task overfits
    const auc = report.charts.find((c) => c.name === 'auc-by-step')!;
    const marked = dataOf(auc.spec)
      .filter((v) => v.best)
      .map((v) => [v.task, v.split, v.step]);
    expect(marked.sort()).toEqual(['click', 'cart', 'order'].map((t) => [t, 'valid', bestStep[t]]).sort());
    expect(auc.svg).toContain(`best ${bestStep.order}`);
  });

  it('charts loss weights over time and lists label weights, test metrics with calibration, fusion, cold start, config', async () => {
    const lw = report.charts.find((c) => c.name === 'loss-weights')!;
    const evals = logRecords(dir).filter((r) => r.type === 'eval' && r.split === 'valid');
    expect(
      dataOf(lw.spec)
        .filter((v) => v.task === 'order')
        .map((v) => [v.step, v.value]),
    ).toEqual(evals.map((e) => [e.step, e.lossWeights.order]));
    const page = report.html;
    expect(page).toContain('<td class="num">4.5</td>'); // label weight used for click ('auto' in the config)
    expect(page).toContain('<td>auto</td>');
    expect(page).toContain('<td class="num">1.250</td>'); // calibration 0.1 / 0.08
    const test = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).test;
    expect(page).toContain(test.order.auc.toFixed(4));
    // Fusion: an 11×11 heatmap with the best cell at (0.3, 0.6), and the top table.
    const heat = report.charts.find((c) => c.name === 'fusion-heatmap')!;
    expect(dataOf(heat.spec)).toHaveLength(121);
    expect(
      dataOf(heat.spec)
        .filter((v) => v.best)
        .map((v) => [v.x, v.y]),
    ).toEqual([[0.3, 0.6]]);
    expect(page).toContain('Top combinations');
    // Pareto chart: rarest task (fewest valid positives: order) against the most frequent (click); dominated
    // rankings grey on valid only, front points on valid and test, the chosen point marked on both.
    const front = dataOf(report.charts.find((c) => c.name === 'fusion-pareto')!.spec);
    expect(front).toHaveLength(2 + 3 * 2);
    expect(front.filter((v) => v.kind === 'dominated').map((v) => v.split)).toEqual(['valid', 'valid']);
    expect(front.filter((v) => v.kind === 'chosen').map((v) => [v.split, v.x, v.y])).toEqual([
      ['valid', 0.7, 0.7],
      ['test', 0.69, 0.69],
    ]);
    expect(front.find((v) => v.kind === 'front' && v.split === 'valid')).toMatchObject({ x: 0.72, y: 0.66 });
    // Calibration: ECE before → after per task, and a reliability diagram per task and stage (+ two diagonal ends)
    expect(page).toMatch(
      /<td>order<\/td><td class="num">4\.500<\/td><td>analytic<\/td><td class="num">0\.30000<\/td><td class="num">0\.01000<\/td>/,
    );
    const rel = dataOf(report.charts.find((c) => c.name === 'calibration')!.spec);
    expect(rel.filter((v) => v.task === 'order' && v.kind === 'bins').map((v) => [v.stage, v.p, v.rate])).toEqual([
      ['before', 0.2, 0.01],
      ['before', 0.5, 0.1],
      ['after', 0.01, 0.01],
      ['after', 0.1, 0.12],
    ]);
    // Deploy box: formula, per-task changes (click's test loss flagged), warnings
    expect(page).toMatch(/<h3>Deploy<\/h3>[^]*score = 0\.158·p_click/);
    expect(page).toContain('<td class="worse">−0.0110</td>');
    expect(page).toContain('rests on 30 positives');
    // Few positives: the change comes with its bootstrap interval; the top candidates' intervals, the choice marked
    expect(page).toMatch(/<td class="same">\+0\.0200 \(95% −0\.0500 to \+0\.0300\)<\/td>/);
    expect(page).toMatch(/<td>2 \(chosen\)<\/td>[^]*?<td>0\.7300 to 0\.8400<\/td><td>yes<\/td>/);
    expect(page).toContain('statistically tied with the point-best that costs the other tasks less');
    expect(page).toMatch(/<th>fused, test<\/th>[^]*<td>order<\/td>[^]*<td class="num">0\.6900<\/td>/);
    // Cold start from predictions/test.csv: the fixture ranks seen items perfectly, unseen ones at chance.
    expect(page).toMatch(/<td>order<\/td><td class="num">1\.0000<\/td><td class="num">0\.5000<\/td>/);
    expect(page).toContain('labelWeight: auto'); // resolved config as YAML
    // How to take this run to a ranking service.
    expect(page).toContain(`mtrank export ${dir} --out models/full`);
    expect(page).toContain('mtrank serve models/full --port 8080');
    expect(page).toContain('the fused score with this run');
  });

  it('is self-contained: no scripts, no external resources, unique SVG ids across charts', async () => {
    const path = await writeRunReport(dir);
    const page = readFileSync(path, 'utf8');
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(page).not.toMatch(/@import|url\(http/i);
    const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of page.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(m[1]);
    for (const name of ['auc-by-step', 'logloss-by-step', 'loss-weights', 'train-loss', 'fusion-heatmap']) {
      const png = readFileSync(join(dir, 'charts', `${name}.png`));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    }
  });

  it('reports an unfinished run (no metrics.json, no fusion) without those sections', async () => {
    const d = join(root, 'unfinished');
    writeFixtureRun(d, { unfinished: true, tasks: ['click', 'order'] });
    const report = await buildRunReport(readRun(d));
    expect(report.charts.map((c) => c.name)).toEqual(['auc-by-step', 'logloss-by-step', 'loss-weights', 'train-loss']);
    expect(report.html).toContain('unfinished run');
    expect(report.html).not.toContain('Output weights');
    expect(report.html).not.toContain('Cold start');
  });

  it("shows metrics.json's cold-start slices, unseen items with a pretrained vector included", async () => {
    const d = join(root, 'pretrained');
    writeFixtureRun(d, { tasks: ['click', 'order'] });
    const metrics = JSON.parse(readFileSync(join(d, 'metrics.json'), 'utf8'));
    const s = (rows: number, auc: number | null) => ({ rows, positives: 3, labelRate: 3 / rows, auc });
    metrics.coldStart = {
      click: {
        seen: s(900, 0.7812),
        unseen: s(100, 0.6123),
        unseenPretrained: s(40, 0.6634),
        unseenNew: s(60, 0.5812),
      },
      order: { seen: s(900, 0.8), unseen: s(100, null), unseenPretrained: s(40, null), unseenNew: s(60, null) },
    };
    writeFileSync(join(d, 'metrics.json'), JSON.stringify(metrics));
    const r = await buildRunReport(readRun(d));
    expect(r.coldStart).toEqual([
      {
        task: 'click',
        seen: { rows: 900, auc: 0.7812, labelRate: 3 / 900 },
        unseen: { rows: 100, auc: 0.6123, labelRate: 0.03 },
        unseenPretrained: { rows: 40, auc: 0.6634, labelRate: 3 / 40 },
        unseenNew: { rows: 60, auc: 0.5812, labelRate: 3 / 60 },
      },
      {
        task: 'order',
        seen: { rows: 900, auc: 0.8, labelRate: 3 / 900 },
        unseen: { rows: 100, auc: undefined, labelRate: 0.03 },
        unseenPretrained: { rows: 40, auc: undefined, labelRate: 3 / 40 },
        unseenNew: { rows: 60, auc: undefined, labelRate: 3 / 60 },
      },
    ]);
    expect(r.html).toContain('<th>AUC unseen, pretrained</th>');
    expect(r.html).toMatch(
      /<td>click<\/td><td class="num">0\.7812<\/td><td class="num">0\.6123<\/td><td class="num">0\.6634<\/td><td class="num">0\.5812<\/td><td class="num">-0\.1689<\/td><td class="num">900<\/td><td class="num">100<\/td><td class="num">40<\/td><td class="num">60<\/td>/,
    );
    // Without the slice (no pretrained vectors) the table keeps its two slices.
    delete metrics.coldStart.click.unseenPretrained;
    delete metrics.coldStart.order.unseenPretrained;
    for (const t of ['click', 'order']) delete metrics.coldStart[t].unseenNew;
    writeFileSync(join(d, 'metrics.json'), JSON.stringify(metrics));
    const plain = await buildRunReport(readRun(d));
    expect(plain.coldStart![0].unseenPretrained).toBeUndefined();
    expect(plain.html).not.toContain('unseen, pretrained');
  });

  it('names file and line for a malformed metrics.jsonl line, and tolerates a truncated last line', async () => {
    const d = join(root, 'bad');
    writeFixtureRun(d);
    const lines = readFileSync(join(d, 'metrics.jsonl'), 'utf8').split('\n');
    lines[4] = '{"type":"eval","step":"x"}';
    writeFileSync(join(d, 'metrics.jsonl'), lines.join('\n'));
    expect(() => readRun(d)).toThrow(MtrankError);
    expect(() => readRun(d)).toThrow(/metrics\.jsonl, line 5: unexpected content at step/);
    writeFixtureRun(d);
    appendFileSync(join(d, 'metrics.jsonl'), '{"type":"train","st');
    expect(readRun(d).evals.length).toBeGreaterThan(0);
    expect(() => readRun(join(root, 'missing'))).toThrow(/no such run directory/);
  });
});

describe('html helpers', () => {
  it('escapes interpolated text but not nested markup', () => {
    const name = '<b>&"x"</b>';
    expect(html`<p title="${name}">${name}${html`<i>${name}</i>`}${raw('<br>')}</p>`.value).toBe(
      '<p title="&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;">&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;<i>&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;</i><br></p>',
    );
  });

  it('prefixes SVG ids and their references', () => {
    const svg =
      '<defs><linearGradient id="gradient_0"/></defs><rect fill="url(#gradient_0)"/><use href="#gradient_0"/>';
    expect(scopeSvgIds(svg, 'c1')).toBe(
      '<defs><linearGradient id="c1-gradient_0"/></defs><rect fill="url(#c1-gradient_0)"/><use href="#c1-gradient_0"/>',
    );
  });
});

it('writes report.html into the run directory and returns its path', async () => {
  const d = join(root, 'nopng');
  writeFixtureRun(d);
  expect(await writeRunReport(d, { png: false })).toBe(join(d, 'report.html'));
  expect(existsSync(join(d, 'charts'))).toBe(false);
});

describe('run report on the synthetic funnel: oracle and attainable ceiling', () => {
  /** A fixture run whose data source has funnel.oracle.json beside it, its test positives those of the predictions. */
  function funnelRun(name: string, oracleTest: Record<string, unknown> | undefined): string {
    const d = join(root, name),
      data = join(d, 'data');
    writeFixtureRun(d, { predictions: true, config: { data: { source: join(data, 'funnel.csv') } } });
    mkdirSync(data, { recursive: true });
    if (oracleTest)
      writeFileSync(join(data, 'funnel.oracle.json'), JSON.stringify({ minCount: 3, splits: { test: oracleTest } }));
    return d;
  }
  // The fixture's predictions/test.csv: 40 rows, every other one positive for each task.
  const positives = { click: 20, cart: 20, order: 20 };
  const oracle = {
    positives,
    auc: { click: 0.75, cart: 0.83, order: 0.89 },
    aucAttainable: { click: 0.74, cart: 0.82, order: 0.87 },
    aucNoAffinity: { click: 0.68, cart: 0.74, order: 0.77 },
  };
  const cells = (page: string, task: string): string[] => {
    const row = page.match(new RegExp(`<tr>\\s*<td>${task}</td>((?:<td[^>]*>[^<]*</td>)+)\\s*</tr>`, 'g'))!;
    // The noise table is the one whose row carries a bootstrap interval ("lo – hi").
    const noiseRow = row.find((r) => r.includes(' – '))!;
    return [...noiseRow.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
  };
  const headers = (page: string): string[] => {
    const i = page.indexOf('what the data allows');
    const thead = page.slice(i, page.indexOf('</thead>', i));
    return [...thead.matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1]);
  };

  it('shows per task the test AUC beside the oracle and the attainable ceiling, with the gaps and what the ceiling means', async () => {
    const d = funnelRun('funnel', oracle);
    const page = (await buildRunReport(readRun(d))).html;
    expect(headers(page)).toEqual([
      'task',
      'test AUC',
      '95% interval',
      'positives',
      'rows',
      'oracle AUC',
      'model − oracle',
      'attainable ceiling',
      'model − ceiling',
      'oracle w/o user × item affinity',
    ]);
    const test = JSON.parse(readFileSync(join(d, 'metrics.json'), 'utf8')).test;
    for (const t of ['click', 'cart', 'order'] as const) {
      const [task, auc, , pos, , o, gapO, ceiling, gapC, noAff] = cells(page, t);
      expect([task, auc, pos]).toEqual([t, test[t].auc.toFixed(4), '20']);
      expect([o, ceiling, noAff]).toEqual(
        [oracle.auc[t], oracle.aucAttainable[t], oracle.aucNoAffinity[t]].map((x) => x.toFixed(4)),
      );
      expect(Number(gapO)).toBeCloseTo(test[t].auc - oracle.auc[t], 4);
      expect(Number(gapC)).toBeCloseTo(test[t].auc - oracle.aucAttainable[t], 4);
    }
    expect(page).toContain(
      'Attainable ceiling: the oracle without what neither the training days nor the columns reveal',
    );
    expect(page).toContain('fewer than 3 training rows');
  });

  it('shows no ceiling for an oracle file without one, and nothing new for other data', async () => {
    const { aucAttainable: _, ...older } = oracle;
    const page = (await buildRunReport(readRun(funnelRun('older', older)))).html;
    expect(headers(page)).toContain('oracle AUC');
    expect(headers(page)).not.toContain('attainable ceiling');
    expect(page).not.toContain('Attainable ceiling');
    const other = (await buildRunReport(readRun(funnelRun('other', undefined)))).html;
    expect(headers(other)).toEqual(['task', 'test AUC', '95% interval', 'positives', 'rows']);
    expect(other).not.toMatch(/oracle|ceiling/i);
    // Another split of the funnel (other test rows): the oracle's positives differ, so neither is shown.
    const moved = (
      await buildRunReport(readRun(funnelRun('moved', { ...oracle, positives: { click: 9, cart: 9, order: 9 } })))
    ).html;
    expect(headers(moved)).not.toContain('oracle AUC');
    expect(moved).not.toMatch(/attainable ceiling/i);
    expect(moved).not.toContain('Oracle: the AUC');
  });
});
