/**
 * Charts: vega-lite specs compiled to vega and rendered headless to SVG at report-build time (no browser,
 * no script in the page), and to PNG with resvg for docs and sharing.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { html, raw, type Html } from './html.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface ChartSpec {
  /** File-safe name: the PNG is `<name>.png`, the page element id `chart-<name>`. */
  name: string;
  title: string;
  spec: TopLevelSpec;
}

export interface RenderedChart extends ChartSpec {
  svg: string;
}

/** Shared look of every chart (the page CSS uses the same palette). */
export const chartConfig = {
  background: 'white',
  view: { stroke: '#e3e7ef' },
  axis: {
    labelColor: '#5b6478',
    titleColor: '#1d2433',
    gridColor: '#eef1f6',
    domainColor: '#c9cfdb',
    tickColor: '#c9cfdb',
    titleFontWeight: 600,
  },
  legend: { labelColor: '#1d2433', titleColor: '#5b6478', labelLimit: 320 },
  header: { labelFontSize: 13, labelFontWeight: 600, titleFontSize: 0 },
  title: { fontSize: 14, anchor: 'start' as const, color: '#1d2433' },
  range: {
    category: [
      '#3b6fd8',
      '#e8833a',
      '#17a673',
      '#c94f7c',
      '#8a63d2',
      '#7f8c9e',
      '#d4b52a',
      '#2bb3c0',
      '#a05a2c',
      '#5a6b2c',
    ],
  },
};

export async function renderChart(chart: ChartSpec): Promise<RenderedChart> {
  const vgSpec = compile({ config: chartConfig, ...chart.spec } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    const svg = scopeSvgIds(await view.toSVG(), `chart-${chart.name}`);
    return { ...chart, svg };
  } finally {
    view.finalize();
  }
}

/**
 * vega numbers its gradients and clip paths from 0 in every SVG; several SVGs inline in one page would then
 * share ids and reference each other's definitions. Prefix them per chart.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id) => `href="#${prefix}-${id}"`);
}

/** The chart as a page element: a titled figure around the inline SVG. */
export function chartFigure(chart: RenderedChart): Html {
  return html`<figure class="chart" id="chart-${chart.name}" data-chart="${chart.name}" aria-label="${chart.title}">
    ${raw(chart.svg)}
  </figure>`;
}

const FONT_DIRS = [
  '/usr/share/fonts',
  '/usr/local/share/fonts',
  join(homedir(), '.fonts'),
  join(homedir(), '.local/share/fonts'),
  '/System/Library/Fonts',
  '/Library/Fonts',
  'C:\\Windows\\Fonts',
];
const DEJAVU = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
];

function hasFontFile(dir: string, depth = 3): boolean {
  if (depth < 0 || !existsSync(dir)) return false;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isFile() && /\.(ttf|otf|ttc)$/i.test(e.name)) return true;
      if (e.isDirectory() && hasFontFile(join(dir, e.name), depth - 1)) return true;
    }
  } catch {
    /* unreadable font dir: treat as absent */
  }
  return false;
}

let fontCheck: { sansSerif?: string; any: boolean } | undefined;

/**
 * resvg draws text only with fonts it can load, and it does not map the generic `sans-serif` (what vega
 * emits) to an installed face by itself; point it at DejaVu Sans when present. Without any system font the
 * PNGs would have no text at all, so say so once instead of silently writing label-less charts.
 */
export function pngFontStatus(): { sansSerif?: string; any: boolean } {
  if (!fontCheck) {
    const dejavu = DEJAVU.find((p) => existsSync(p));
    fontCheck = {
      sansSerif: dejavu ? 'DejaVu Sans' : undefined,
      any: Boolean(dejavu) || FONT_DIRS.some((d) => hasFontFile(d)),
    };
    if (!fontCheck.any) {
      process.emitWarning(
        'no system fonts found: PNG charts will be drawn without text (install e.g. Debian fonts-dejavu-core); the HTML report is not affected',
      );
    }
  }
  return fontCheck;
}

export function svgToPng(svg: string, scale = 2): Buffer {
  const fonts = pngFontStatus();
  const font = fonts.sansSerif
    ? { loadSystemFonts: true, defaultFontFamily: fonts.sansSerif, sansSerifFamily: fonts.sansSerif }
    : { loadSystemFonts: true };
  return new Resvg(svg, { font, fitTo: { mode: 'zoom', value: scale }, background: 'white' }).render().asPng();
}

/** Writes `<dir>/<name>.png` for each chart; returns the paths. */
export function writeChartPngs(charts: RenderedChart[], dir: string): string[] {
  return charts.map((c) => {
    const path = join(dir, `${c.name}.png`);
    writeFileAtomic(path, svgToPng(c.svg));
    return path;
  });
}
