// Loading the real datasets in ../shared/datasets through the example configs, checked against counts
// computed independently from the raw files with plain string handling.
import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import { prepareData } from '../../src/data/prepare.js';

const root = join(import.meta.dirname, '../..');
const shared = join(root, '../shared/datasets');
const cacheDir = mkdtempSync(join(tmpdir(), 'mtrank-ds-'));
const sum = (a: Uint8Array) => a.reduce((s, x) => s + x, 0);

describe.skipIf(!existsSync(shared))('real datasets', () => {
  it('UCI Adult: the validation split is carved (seeded) from adult.data; the test split is adult.test', async () => {
    const config = loadConfig(join(root, 'examples/adult.yaml'));
    expect(config.data.split).toMatchObject({ method: 'random', ratios: [0.9, 0.1] });
    const d = await prepareData(config, { cacheDir, threads: 2 });
    const lines = readFileSync(join(shared, 'uci-adult', 'adult.data'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    expect(d.train.rows + d.valid.rows).toBe(lines.length);
    expect(d.valid.rows / lines.length).toBeGreaterThan(0.09);
    expect(d.valid.rows / lines.length).toBeLessThan(0.11);
    expect(d.test.rows).toBe(16281);
    // Partition: every adult.data line, encoded independently with the fitted preprocessor, is found exactly
    // once among the train and valid rows (as a multiset: the file has a few duplicate lines).
    const key = (cat: ArrayLike<number>, dense: ArrayLike<number>, labels: number[]) =>
      `${Array.from(cat).join(',')}|${Array.from(dense, (x) => x.toFixed(5)).join(',')}|${labels.join(',')}`;
    const expected = new Map<string, number>();
    const columns = config.data.columns!;
    const positive = new Set(['>50K', '>50K.']);
    for (const line of lines) {
      const cells = line.split(', '),
        raw = Object.fromEntries(columns.map((c, i) => [c, cells[i]]));
      const e = d.preprocessor.encodeRow(raw);
      const k = key(e.categorical, e.dense, [
        positive.has(raw.income) ? 1 : 0,
        raw.marital_status === 'Never-married' ? 1 : 0,
      ]);
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    const D = d.train.denseNames.length;
    for (const s of [d.train, d.valid]) {
      for (let r = 0; r < s.rows; r++) {
        const k = key(
          s.categorical.map((c) => c.ids[r]),
          s.dense.subarray(r * D, (r + 1) * D),
          [s.labels.income[r], s.labels.never_married[r]],
        );
        const n = expected.get(k) ?? 0;
        expect(n, `row ${r} of a split is not an adult.data line (or appears twice)`).toBeGreaterThan(0);
        expected.set(k, n - 1);
      }
    }
    expect([...expected.values()].every((n) => n === 0)).toBe(true);
    // Reproducible for a seed (re-encoded, not read from the cache), different for another seed.
    const again = await prepareData(config, { cacheDir, threads: 2, useCache: false });
    expect(Array.from(again.valid.labels.income)).toEqual(Array.from(d.valid.labels.income));
    expect(Array.from(again.valid.dense)).toEqual(Array.from(d.valid.dense));
    const other = await prepareData(loadConfig(join(root, 'examples/adult.yaml'), ['data.split.seed=7']), {
      cacheDir,
      threads: 2,
    });
    expect(other.train.rows + other.valid.rows).toBe(lines.length);
    expect(Array.from(other.valid.dense.subarray(0, 200))).not.toEqual(Array.from(d.valid.dense.subarray(0, 200)));
  });

  it('UCI Adult: header-less, ", " separated, "?" missing, skipped first line and trailing "." by config', async () => {
    // The whole of adult.data as train (the example carves a validation split off it: previous test).
    const raw = YAML.parse(readFileSync(join(root, 'examples/adult.yaml'), 'utf8'));
    delete raw.data.split;
    const d = await prepareData(parseConfig(raw, [], { baseDir: join(root, 'examples') }), { cacheDir, threads: 2 });
    const parse = (file: string, skip: number) =>
      readFileSync(join(shared, 'uci-adult', file), 'utf8')
        .split('\n')
        .slice(skip)
        .filter((l) => l.trim() !== '')
        .map((l) => l.split(', '));
    const train = parse('adult.data', 0),
      test = parse('adult.test', 1);
    expect(d.train.rows).toBe(32561);
    expect(d.test.rows).toBe(16281);
    expect(sum(d.train.labels.income)).toBe(train.filter((f) => f[14] === '>50K').length);
    expect(sum(d.test.labels.income)).toBe(test.filter((f) => f[14] === '>50K.').length);
    expect(sum(d.test.labels.never_married)).toBe(test.filter((f) => f[5] === 'Never-married').length);
    expect(sum(d.train.labels.income) / d.train.rows).toBeCloseTo(0.241, 3);
    expect(sum(d.train.labels.never_married) / d.train.rows).toBeCloseTo(0.328, 3);
    expect(d.train.categorical.map((c) => c.name)).not.toContain('marital_status');
    // "?" is missing → the OOV slot; the workclass vocabulary holds the 8 real values.
    const wc = d.train.categorical.find((c) => c.name === 'workclass')!;
    expect(wc.vocabSize).toBe(9);
    expect(Array.from(wc.ids).filter((id) => id === 0).length).toBe(train.filter((f) => f[1] === '?').length);
    expect(d.train.dense.every((x) => Number.isFinite(x))).toBe(true);
  });

  it('KuaiRand: TSV, time split, three tasks, user_id as group', async () => {
    const d = await prepareData(loadConfig(join(root, 'examples/kuairand.yaml')), { cacheDir, threads: 2 });
    const [head, ...lines] = readFileSync(join(shared, 'kuairand-k15/interactions.tsv'), 'utf8').trim().split('\n');
    const cols = head.split('\t'),
      at = (n: string) => cols.indexOf(n);
    const rows = lines.map((l) => l.split('\t'));
    const train = rows.filter((r) => +r[at('date')] < 20220418),
      test = rows.filter((r) => +r[at('date')] >= 20220420);
    expect(d.train.rows).toBe(train.length);
    expect(d.train.rows + d.valid.rows + d.test.rows).toBe(41828);
    expect(Object.keys(d.train.labels)).toEqual(['is_click', 'long_view', 'like']);
    expect(sum(d.test.labels.like)).toBe(test.filter((r) => r[at('label')] === '1').length);
    expect(sum(d.train.labels.is_click)).toBe(train.filter((r) => r[at('is_click')] === '1').length);
    expect(new Set(d.train.group).size).toBe(new Set(train.map((r) => r[at('user_id')])).size);
    // Cold start: test videos missing from the training vocabulary encode to 0 (and as item 0).
    const seen = new Set(train.map((r) => r[at('video_id')]));
    expect(d.test.item!.filter((id) => id === 0).length).toBeGreaterThanOrEqual(
      test.filter((r) => !seen.has(r[at('video_id')])).length,
    );
    expect(d.train.denseNames).not.toContain('play_time_ms');
  });
});
