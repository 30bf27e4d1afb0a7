// Opens the reports in headless Chromium (Debian's `chromium`; .ci/run installs it). Skipped, and reported as
// skipped, when /usr/bin/chromium is absent.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { writeCompareReport } from '../../src/report/compare.js';
import { writeRunReport } from '../../src/report/run-report.js';
import { writeFixtureRun } from './fixture-run.js';

// Runs inside the page (page.$$eval); declared here because the test config has no DOM lib.
declare function getComputedStyle(e: unknown): { visibility: string };

const CHROMIUM = '/usr/bin/chromium';
const root = mkdtempSync(join(tmpdir(), 'mtrank-browser-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function openInChromium(file: string, screenshot?: string) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ], // playwright gives each launch a fresh temporary profile
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const charts = await page.$$eval('figure.chart', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg')!.getBoundingClientRect();
        return {
          name: f.getAttribute('data-chart'),
          width: svg.width,
          height: svg.height,
          visible: getComputedStyle(f).visibility === 'visible',
        };
      }),
    );
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { problems, charts };
  } finally {
    await browser.close();
  }
}

it.skipIf(!existsSync(CHROMIUM))(
  'the run report opens in headless Chromium with no errors and every chart visible',
  async () => {
    const dir = join(root, 'run');
    writeFixtureRun(dir, { fusion: true, predictions: true, adaptive: true });
    const { problems, charts } = await openInChromium(
      await writeRunReport(dir, { png: false }),
      process.env.MTRANK_REPORT_SCREENSHOT,
    );
    expect(problems).toEqual([]);
    expect(charts.map((c) => c.name)).toEqual([
      'auc-by-step',
      'logloss-by-step',
      'loss-weights',
      'train-loss',
      'calibration',
      'fusion-pareto',
      'fusion-heatmap',
    ]);
    for (const c of charts) {
      expect(c.visible).toBe(true);
      expect(c.width).toBeGreaterThan(100);
      expect(c.height).toBeGreaterThan(100);
    }
  },
);

it.skipIf(!existsSync(CHROMIUM))(
  'the comparison report opens in headless Chromium with no errors and every chart visible',
  async () => {
    const dirs = [1, 100].map((w) => {
      const d = join(root, `w${w}`);
      writeFixtureRun(d, { config: { tasks: { order: { labelWeight: w } } } });
      return d;
    });
    const out = await writeCompareReport(
      dirs.map((d) => ({ dirs: [d] })),
      { out: join(root, 'compare.html'), png: false },
    );
    const { problems, charts } = await openInChromium(out);
    expect(problems).toEqual([]);
    expect(charts.map((c) => c.name)).toEqual(['valid-auc', 'test-auc']);
    for (const c of charts) expect(c.width * c.height).toBeGreaterThan(100 * 100);
  },
);
