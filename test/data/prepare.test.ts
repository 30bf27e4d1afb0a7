import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { prepareData, encodeData, type PreparedData } from '../../src/data/prepare.js';
import { generateFunnel, writeFunnelCsv } from '../../src/data/synth.js';
import { encodeRows } from '../../src/data/infer.js';
import { batches, selectRows, streamBatches } from '../../src/data/batches.js';
import { Preprocessor, hashBucket } from '../../src/features/preprocessor.js';
import { Rng } from '../../src/util/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'mtrank-prep-'));
const csv = join(dir, 'funnel.csv');

const rawConfig = {
  seed: 7,
  data: {
    source: csv,
    split: { method: 'time', column: 'day', validFrom: 10, testFrom: 12 },
    cacheDir: join(dir, 'cache'),
  },
  features: {
    user_id: { type: 'categorical', minCount: 3, group: true },
    item_id: { type: 'categorical', minCount: 2, role: 'item', maxSize: 60 },
    shop_id: { type: 'categorical', hashBuckets: 50 },
    tags: { type: 'multi-categorical', separator: '|', maxLength: 2, pooling: 'sum' },
    price: { type: 'numeric', transform: 'log-standardize' },
    user_activity: { type: 'numeric', transform: 'minmax' },
    user_age: { type: 'numeric', transform: 'standardize', default: 30, missingIndicator: true },
    age_bucket: { type: 'numeric', column: 'user_age', transform: 'bucketize', buckets: 5 },
  },
  tasks: {
    click: { label: 'is_click' },
    order: { label: { column: 'is_order', positive: ['1'] }, dependsOn: 'click' },
  },
};

type Row = Record<string, string>;
let rows: Row[];
let data: PreparedData;

function readCsv(path: string): Row[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

/** Brute-force vocabulary: count ≥ minCount, most frequent first, ties by value; id = index + 1. */
function vocab(values: string[], minCount: number, maxSize = Infinity): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
  const kept = [...counts]
    .filter(([, n]) => n >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxSize);
  return new Map(kept.map(([v], i) => [v, i + 1]));
}

function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q,
    lo = Math.floor(h);
  return sorted[lo] + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]);
}

beforeAll(async () => {
  writeFunnelCsv(generateFunnel({ rows: 6000, seed: 5, days: 14 }), csv);
  rows = readCsv(csv);
  data = await prepareData(parseConfig(rawConfig), { threads: 2 });
});

describe('prepareData on the synthetic funnel', () => {
  it('splits by time and fits vocabularies on the training split only', () => {
    const train = rows.filter((r) => +r.day < 10),
      valid = rows.filter((r) => +r.day >= 10 && +r.day < 12);
    expect(data.train.rows).toBe(train.length);
    expect(data.valid.rows).toBe(valid.length);
    expect(data.test.rows).toBe(rows.length - train.length - valid.length);
    const users = vocab(
      train.map((r) => r.user_id),
      3,
    );
    const items = vocab(
      train.map((r) => r.item_id),
      2,
      60,
    );
    const user = data.train.categorical.find((c) => c.name === 'user_id')!;
    expect(user.vocabSize).toBe(users.size + 1);
    expect(Array.from(user.ids)).toEqual(train.map((r) => users.get(r.user_id) ?? 0));
    // Rare training IDs map to the OOV slot 0, so it is trained for unseen IDs.
    const trainItems = data.train.categorical.find((c) => c.name === 'item_id')!;
    expect(Array.from(trainItems.ids)).toEqual(train.map((r) => items.get(r.item_id) ?? 0));
    expect(trainItems.ids.some((id) => id === 0)).toBe(true);
    const validItems = data.valid.categorical.find((c) => c.name === 'item_id')!;
    expect(Array.from(validItems.ids)).toEqual(valid.map((r) => items.get(r.item_id) ?? 0));
    expect(Array.from(data.valid.item!)).toEqual(Array.from(validItems.ids));
    const shop = data.train.categorical.find((c) => c.name === 'shop_id')!;
    expect(shop.vocabSize).toBe(51);
    expect(shop.ids[0]).toBe(hashBucket(train[0].shop_id, 50));
  });

  it('encodes numerics, buckets, multi-categorical features and labels like an independent computation', () => {
    const train = rows.filter((r) => +r.day < 10);
    const slog = (x: number) => Math.sign(x) * Math.log(1 + Math.abs(x));
    const prices = train.map((r) => slog(+r.price));
    const mean = prices.reduce((a, b) => a + b, 0) / prices.length;
    const std = Math.sqrt(prices.reduce((a, b) => a + (b - mean) ** 2, 0) / prices.length);
    const acts = train.map((r) => +r.user_activity),
      lo = Math.min(...acts),
      hi = Math.max(...acts);
    const ages = train.filter((r) => r.user_age !== '').map((r) => +r.user_age);
    const ageMean = ages.reduce((a, b) => a + b, 0) / ages.length;
    const ageStd = Math.sqrt(ages.reduce((a, b) => a + (b - ageMean) ** 2, 0) / ages.length);
    expect(data.train.denseNames).toEqual(['price', 'user_activity', 'user_age', 'user_age:missing']);
    const D = 4;
    train.forEach((r, i) => {
      const d = data.train.dense.subarray(i * D, i * D + D);
      expect(d[0]).toBeCloseTo((slog(+r.price) - mean) / std, 5);
      expect(d[1]).toBeCloseTo((+r.user_activity - lo) / (hi - lo), 5);
      expect(d[2]).toBeCloseTo(((r.user_age === '' ? 30 : +r.user_age) - ageMean) / ageStd, 5);
      expect(d[3]).toBe(r.user_age === '' ? 1 : 0);
    });
    const sorted = [...ages].sort((a, b) => a - b);
    const bounds = [...new Set([0.2, 0.4, 0.6, 0.8].map((q) => quantile(sorted, q)))];
    const bucket = data.train.categorical.find((c) => c.name === 'age_bucket')!;
    expect(bucket.vocabSize).toBe(bounds.length + 2);
    expect(Array.from(bucket.ids)).toEqual(
      train.map((r) => (r.user_age === '' ? 0 : 1 + bounds.filter((b) => b <= +r.user_age).length)),
    );
    const tagVocab = vocab(
      train.flatMap((r) => r.tags.split('|').slice(0, 2)),
      1,
    );
    const tags = data.train.multi[0];
    expect(tags.pooling).toBe('sum');
    expect(Array.from(tags.ids)).toEqual(
      train.flatMap((r) =>
        r.tags
          .split('|')
          .slice(0, 2)
          .map((t) => tagVocab.get(t) ?? 0),
      ),
    );
    expect(tags.offsets[train.length]).toBe(tags.ids.length);
    expect(Array.from(data.train.labels.click)).toEqual(train.map((r) => +r.is_click));
    expect(Array.from(data.train.labels.order)).toEqual(train.map((r) => +r.is_order));
    // group: one dense id per distinct user
    const g = data.train.group!;
    for (let i = 1; i < 200; i++) expect(g[i] === g[0]).toBe(train[i].user_id === train[0].user_id);
  });

  it('round trip: cached second run and reloaded artifact give identical arrays', async () => {
    const again = await prepareData(parseConfig(rawConfig), { threads: 2 });
    expect(again.report.cached).toBe(true);
    expect(data.report.cached).toBe(false);
    for (const s of ['train', 'valid', 'test'] as const) expect(again[s]).toEqual(data[s]);
    expect(Preprocessor.load(join(data.dir, 'preprocess.json')).json).toEqual(data.preprocessor.json);
    // A damaged cache entry is encoded again, not half-loaded.
    rmSync(join(data.dir, 'valid', 'dense.f32'));
    const repaired = await prepareData(parseConfig(rawConfig), { threads: 2 });
    expect(repaired.report.cached).toBe(false);
    expect(repaired.valid).toEqual(data.valid);
  });

  it("a task's training knobs share the cache entry; its label rule does not", async () => {
    const withTasks = (tasks: object) => parseConfig({ ...rawConfig, tasks });
    // A label-weight sweep: every trial reads the entry the first one encoded (it re-staged the CSV per weight).
    const knobs = await encodeData(
      withTasks({
        click: { label: 'is_click', labelWeight: 3, lossWeight: 0.5 },
        order: { label: { column: 'is_order', positive: ['1'] }, labelWeight: 'auto', positiveShare: 0.2 },
      }),
    );
    expect(knobs.report.cached).toBe(true);
    expect(knobs.dir).toBe(data.dir);
    const relabelled = await encodeData(
      withTasks({ click: { label: 'is_click' }, order: { label: { column: 'is_order', positive: ['0'] } } }),
    );
    expect(relabelled.report.cached).toBe(false);
    expect(relabelled.dir).not.toBe(data.dir);
  });

  it('a raw row encodes at inference exactly as in training', async () => {
    const pre = Preprocessor.load(join(data.dir, 'preprocess.json'));
    const valid = rows.filter((r) => +r.day >= 10 && +r.day < 12);
    const enc = await encodeRows(pre, valid, { withLabels: true, threads: 1 });
    for (const k of ['categorical', 'multi', 'dense', 'labels', 'item'] as const) expect(enc[k]).toEqual(data.valid[k]);
    const D = data.valid.denseNames.length;
    valid.slice(0, 300).forEach((r, i) => {
      const one = pre.encodeRow(r);
      expect(Array.from(one.categorical)).toEqual(data.valid.categorical.map((c) => c.ids[i]));
      expect(Array.from(one.dense)).toEqual(Array.from(data.valid.dense.subarray(i * D, i * D + D)));
      const m = data.valid.multi[0];
      expect(Array.from(one.multi[0])).toEqual(Array.from(m.ids.subarray(m.offsets[i], m.offsets[i + 1])));
    });
  });

  it('batches are seeded permutations and gathers copy the right rows', () => {
    const a = [...batches(data.train, 256, new Rng(1))].map((b) => Array.from(b));
    const b = [...batches(data.train, 256, new Rng(1))].map((x) => Array.from(x));
    expect(a).toEqual(b);
    expect(a.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: data.train.rows }, (_, i) => i));
    const rowsPicked = Int32Array.from([5, 0, 17]);
    const g = selectRows(data.train, rowsPicked);
    expect(Array.from(g.categorical[0].ids)).toEqual([5, 0, 17].map((r) => data.train.categorical[0].ids[r]));
    expect(Array.from(g.dense.subarray(4, 8))).toEqual(Array.from(data.train.dense.subarray(0, 4)));
    const m = data.train.multi[0];
    expect(Array.from(g.multi[0].ids.subarray(g.multi[0].offsets[2], g.multi[0].offsets[3]))).toEqual(
      Array.from(m.ids.subarray(m.offsets[17], m.offsets[18])),
    );
  });

  it('streams a split from disk in shuffled chunks covering every row once', async () => {
    const encoded = await encodeData(parseConfig(rawConfig));
    const seen: number[] = [];
    const clickOf = new Map<number, number>();
    let n = 0;
    for await (const b of streamBatches(encoded, 'train', 100, new Rng(3), { chunkRows: 500, bufferRows: 1200 })) {
      expect(b.rows).toBeLessThanOrEqual(100);
      for (let i = 0; i < b.rows; i++) {
        seen.push(b.group![i]);
        clickOf.set(n, b.labels.click[i]);
        n++;
      }
    }
    expect(n).toBe(data.train.rows);
    const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0);
    expect(sum([...clickOf.values()])).toBe(sum(data.train.labels.click));
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from(data.train.group!).sort((a, b) => a - b));
  });
});

describe('random split', () => {
  it('is seeded, complete and near the ratios', async () => {
    const cfg = {
      ...rawConfig,
      data: { source: csv, split: { method: 'random', ratios: [0.7, 0.2, 0.1] }, cacheDir: join(dir, 'cache-r') },
    };
    const a = await prepareData(parseConfig(cfg), { threads: 2 });
    expect(a.train.rows + a.valid.rows + a.test.rows).toBe(rows.length);
    expect(a.train.rows / rows.length).toBeGreaterThan(0.66);
    expect(a.train.rows / rows.length).toBeLessThan(0.74);
    const b = await prepareData(parseConfig(cfg), { threads: 2, useCache: false });
    expect(b.valid).toEqual(a.valid);
    const c = await prepareData(parseConfig({ ...cfg, seed: 8 }), { threads: 2 });
    expect(Array.from(c.valid.labels.click)).not.toEqual(Array.from(a.valid.labels.click));
  });
});
