// The same rows read from CSV, gzip, TSV, a glob of several files, a custom delimiter and Parquet encode
// to identical arrays.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { prepareData, type PreparedData } from '../../src/data/prepare.js';
import { writeFunnel } from '../../src/data/synth.js';

const dir = mkdtempSync(join(tmpdir(), 'mtrank-readers-'));
let baseline: PreparedData;

function config(source: unknown, extra: Record<string, unknown> = {}) {
  return parseConfig({
    data: {
      source,
      split: { method: 'time', column: 'day', validFrom: 10, testFrom: 12 },
      cacheDir: join(dir, 'cache'),
      ...extra,
    },
    features: {
      user_id: { type: 'categorical', group: true },
      item_id: { type: 'categorical', role: 'item' },
      tags: { type: 'multi-categorical' },
      price: { type: 'numeric', transform: 'log-standardize' },
      user_age: { type: 'numeric', missingIndicator: true },
    },
    tasks: { click: { label: 'is_click' }, order: { label: 'is_order' } },
  });
}

beforeAll(async () => {
  await writeFunnel(dir, { rows: 4000, seed: 9, parquet: true });
  baseline = await prepareData(config(join(dir, 'funnel.csv')), { threads: 2 });
});

describe('readers', () => {
  it('gzip-compressed CSV', async () => {
    writeFileSync(join(dir, 'funnel.csv.gz'), gzipSync(readFileSync(join(dir, 'funnel.csv'))));
    const d = await prepareData(config(join(dir, 'funnel.csv.gz')), { threads: 2 });
    expect(d.train).toEqual(baseline.train);
  });

  it('TSV by extension, and any delimiter by config', async () => {
    const text = readFileSync(join(dir, 'funnel.csv'), 'utf8');
    writeFileSync(join(dir, 'funnel.tsv'), text.replace(/,/g, '\t'));
    writeFileSync(join(dir, 'funnel.txt'), text.replace(/,/g, ';'));
    expect((await prepareData(config(join(dir, 'funnel.tsv')), { threads: 2 })).test).toEqual(baseline.test);
    expect(
      (await prepareData(config(join(dir, 'funnel.txt'), { delimiter: ';', format: 'csv' }), { threads: 2 })).test,
    ).toEqual(baseline.test);
  });

  it('several files through a glob, in path order', async () => {
    const [head, ...lines] = readFileSync(join(dir, 'funnel.csv'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'part-1.csv'), [head, ...lines.slice(0, 1500)].join('\n') + '\n');
    writeFileSync(join(dir, 'part-2.csv'), [head, ...lines.slice(1500)].join('\n') + '\n');
    const d = await prepareData(config(join(dir, 'part-*.csv')), { threads: 2 });
    expect(d.valid).toEqual(baseline.valid);
    expect(d.report.sources).toHaveLength(2);
  });

  it('Parquet', async () => {
    const d = await prepareData(config(join(dir, 'funnel.parquet')), { threads: 2 });
    expect(d.train).toEqual(baseline.train);
  });

  it('header-less files named by columns:', async () => {
    const [head, ...lines] = readFileSync(join(dir, 'funnel.csv'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'nohead.csv'), lines.join('\n') + '\n');
    const d = await prepareData(config(join(dir, 'nohead.csv'), { header: false, columns: head.split(',') }), {
      threads: 2,
    });
    expect(d.test).toEqual(baseline.test);
  });
});
