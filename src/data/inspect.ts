/**
 * `mtrank data inspect`: what the encoded data looks like — rows and label rates per split, vocabulary
 * sizes, how much of valid/test the training vocabulary covers (the cold-start share), numeric summaries.
 */
import { pretrainedFeatures } from '../features/pretrained.js';
import type { PreparedData } from './prepare.js';
import { SPLITS, type EncodedSplit } from './types.js';

export interface InspectReport {
  rows: Record<string, number>;
  labelRates: Record<string, Record<string, number>>;
  vocab: { name: string; size: number; hashed: boolean; oovShare: Record<string, number> }[];
  /** Features whose vocabulary was extended from a pretrained vector file: share of ids on appended rows. */
  pretrained: { name: string; appended: number; share: Record<string, number> }[];
  numeric: { name: string; split: string; mean: number; std: number; min: number; max: number }[];
  badRows: PreparedData['report']['badRows'];
  cached: boolean;
  dir: string;
}

export function inspectData(d: PreparedData): InspectReport {
  const splits = SPLITS.filter((s) => d[s].rows > 0);
  const rows = Object.fromEntries(SPLITS.map((s) => [s, d[s].rows]));
  const labelRates = Object.fromEntries(
    Object.keys(d.train.labels).map((t) => [t, Object.fromEntries(splits.map((s) => [s, mean(d[s].labels[t])]))]),
  );
  const hashed = new Set(
    d.preprocessor.json.features.filter((f) => 'hashBuckets' in f && f.hashBuckets !== undefined).map((f) => f.name),
  );
  const zeroShare = (ids: Int32Array) =>
    ids.length ? ids.reduce((n, id) => n + (id === 0 ? 1 : 0), 0) / ids.length : NaN;
  const vocab = [
    ...d.train.categorical.map((c, j) => ({
      name: c.name,
      size: c.vocabSize,
      hashed: hashed.has(c.name),
      oovShare: Object.fromEntries(splits.map((s) => [s, zeroShare(d[s].categorical[j].ids)])),
    })),
    ...d.train.multi.map((m, j) => ({
      name: m.name,
      size: m.vocabSize,
      hashed: hashed.has(m.name),
      oovShare: Object.fromEntries(splits.map((s) => [s, zeroShare(d[s].multi[j].ids)])),
    })),
  ];
  const pretrained = pretrainedFeatures(d.preprocessor)
    .filter((f) => f.vocab.length > f.pretrained.trainedVocab)
    .map((f) => {
      const j = d.train.categorical.findIndex((c) => c.name === f.name),
        first = f.pretrained.trainedVocab + 1;
      const share = (ids: Int32Array) =>
        ids.length ? ids.reduce((n, id) => n + (id >= first ? 1 : 0), 0) / ids.length : NaN;
      return {
        name: f.name,
        appended: f.vocab.length - f.pretrained.trainedVocab,
        share: Object.fromEntries(splits.map((s) => [s, share(d[s].categorical[j]!.ids)])),
      };
    });
  const numeric = d.train.denseNames.flatMap((name, j) =>
    splits.map((s) => ({ name, split: s, ...columnStats(d[s], j) })),
  );
  return {
    rows,
    labelRates,
    vocab,
    pretrained,
    numeric,
    badRows: d.report.badRows,
    cached: d.report.cached,
    dir: d.dir,
  };
}

function mean(a: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : NaN;
}

function columnStats(s: EncodedSplit, j: number) {
  const D = s.denseNames.length;
  let sum = 0,
    sq = 0,
    min = Infinity,
    max = -Infinity;
  for (let r = 0; r < s.rows; r++) {
    const x = s.dense[r * D + j];
    sum += x;
    sq += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const m = sum / s.rows;
  return { mean: m, std: Math.sqrt(Math.max(0, sq / s.rows - m * m)), min, max };
}

/** A plain-text table with aligned columns. */
export function table(head: string[], body: (string | number)[][]): string {
  const cells = [head, ...body.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const width = head.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) =>
    r.map((c, i) => (i === 0 ? String(c).padEnd(width[i]) : String(c).padStart(width[i]))).join('  ');
  return [line(cells[0]), width.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function fmt(x: number): string {
  if (Number.isNaN(x)) return '-';
  if (Math.abs(x) < 1e-6) return '0';
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(4);
}

const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(2)}%`);

export function formatInspect(r: InspectReport): string {
  const splits = SPLITS.filter((s) => r.rows[s] > 0);
  const out: string[] = [];
  out.push(`encoded data: ${r.dir}${r.cached ? ' (cached)' : ''}`, '');
  out.push(
    table(
      ['split', 'rows'],
      SPLITS.map((s) => [s, r.rows[s]]),
    ),
    '',
  );
  out.push(
    table(
      ['label rate', ...splits],
      Object.entries(r.labelRates).map(([t, v]) => [t, ...splits.map((s) => pct(v[s]))]),
    ),
    '',
  );
  out.push(
    table(
      ['feature', 'vocab', ...splits.map((s) => `oov ${s}`)],
      r.vocab.map((v) => [v.hashed ? `${v.name} (hashed)` : v.name, v.size, ...splits.map((s) => pct(v.oovShare[s]))]),
    ),
  );
  out.push(
    '  oov = share of ids outside the training vocabulary (0 = missing, rare or unseen: the cold-start share in valid/test)',
    '',
  );
  if (r.pretrained.length) {
    out.push(
      table(
        ['pretrained-only ids', 'appended', ...splits],
        r.pretrained.map((p) => [p.name, p.appended, ...splits.map((s) => pct(p.share[s]))]),
      ),
    );
    out.push(
      '  share of ids on rows appended from the pretrained vector file (extendVocab): not cold, they start at their pretrained vector',
      '',
    );
  }
  if (r.numeric.length)
    out.push(
      table(
        ['numeric (encoded)', 'split', 'mean', 'std', 'min', 'max'],
        r.numeric.map((n) => [n.name, n.split, n.mean, n.std, n.min, n.max]),
      ),
      '',
    );
  out.push(r.badRows.skipped ? describeSkippedRows(r.badRows) : 'bad rows: none');
  return out.join('\n');
}

/** "skipped bad rows: N (reason: n, ...)" and the first places, for `data inspect` and `train`. */
export function describeSkippedRows(b: PreparedData['report']['badRows']): string {
  return `skipped bad rows: ${b.skipped} (${Object.entries(b.reasons)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')})\n${b.examples.map((e) => `  ${e}`).join('\n')}`;
}
