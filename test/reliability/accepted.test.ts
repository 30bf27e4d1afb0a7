// Class 3: configs and data the schema accepts but that would silently train something else: refused or warned.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { outcome, project, train } from './fixture.js';
import { loadConfig } from '../../src/config/load.js';
import { configWarnings } from '../../src/config/sanity.js';
import { EXIT_CODES } from '../../src/util/errors.js';
import { fuse } from '../../src/fusion/fuse.js';

describe('refused at config time (usage exit code, before any data is read)', () => {
  const dir = project(50);
  const cfg = join(dir, 'exp.yaml');
  for (const [name, sets, why] of [
    [
      'dependsOn cycle outside ESMM',
      ['tasks.click.dependsOn=buy'],
      /dependsOn chain (click → buy → click|buy → click → buy) is a cycle/,
    ],
    ['all loss weights 0', ['tasks.click.lossWeight=0', 'tasks.buy.lossWeight=0'], /every lossWeight is 0/],
    ['fusion.step not dividing 1', ['fusion.step=0.3'], /--set fusion\.step=0\.3: 0\.3 must divide 1/],
  ] as const) {
    it(name, async () => {
      const r = await outcome(() => loadConfig(cfg, [...sets]));
      expect(r.code).toBe(EXIT_CODES.usage);
      expect(r.line).toMatch(why);
    });
  }
  it('a valid step and chain pass', () => {
    expect(() => loadConfig(cfg, ['fusion.step=0.25'])).not.toThrow();
  });
});

describe('warned', () => {
  it('split ratios that do not sum to 1 name the proportions used', () => {
    const dir = project(50);
    const cfg = join(dir, 'exp.yaml');
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace('  valid: valid.csv\n', '  split: { method: random, ratios: [8, 2] }\n'),
    );
    const c = loadConfig(cfg);
    expect(configWarnings(c)).toEqual([
      'warning: data.split.ratios [8, 2] sum to 10, not 1; they are used as proportions (0.8, 0.2)',
    ]);
  });

  it('a task with no positives under a fixed label weight', async () => {
    const dir = project(300);
    const f = join(dir, 'train.csv');
    writeFileSync(
      f,
      readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .map((l, i) => (i === 0 ? l : l.replace(/,(\d)$/, ',0')))
        .join('\n') + '\n',
    );
    const said: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (said.push(String(s)), true)) as typeof process.stderr.write;
    try {
      const r = await outcome(() => train(dir, join(dir, 'run'), { quiet: true, set: ['tasks.buy.labelWeight=5'] }));
      expect(r.code).toBe(0);
    } finally {
      process.stderr.write = write;
    }
    expect(said.join('')).toMatch(/warning: task 'buy' has no positive label in the 300 training rows/);
  }, 30_000);
});

describe('fuse refuses scores it cannot rank by', () => {
  const n = 40;
  const split = (a: (i: number) => number, b: (i: number) => number) => ({
    source: 'valid.csv',
    scores: [Float64Array.from({ length: n }, (_, i) => a(i)), Float64Array.from({ length: n }, (_, i) => b(i))],
    labels: [0, 1].map(() => Uint8Array.from({ length: n }, (_, i) => i % 2)),
  });
  const opts = (form: string) =>
    ({ form, search: 'grid', step: 0.5, objective: { type: 'auc', task: 'a' }, constraints: [], threads: 1 }) as never;
  it('constant scores of a task', async () => {
    const r = await outcome(() =>
      fuse(
        ['a', 'b'],
        split(
          (i) => i / n,
          () => 0.3,
        ) as never,
        undefined,
        opts('linear'),
      ),
    );
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.line).toMatch(/valid\.csv: the scores of task 'b' are all 0\.3/);
  });
  it('the product form with negative scores', async () => {
    const r = await outcome(() =>
      fuse(
        ['a', 'b'],
        split(
          (i) => i / n - 0.5,
          (i) => (i * 7) % 5,
        ) as never,
        undefined,
        opts('product'),
      ),
    );
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.line).toMatch(/product form needs scores ≥ 0 .* task 'a' has -0\.5/);
  });
});

describe('duplicate column names', () => {
  it('a CSV header naming a column twice is a data error naming file, line and column', async () => {
    const dir = project(50);
    const f = join(dir, 'train.csv');
    writeFileSync(f, readFileSync(f, 'utf8').replace('user,item,price,click,buy', 'user,item,price,click,price'));
    const r = await outcome(() => train(dir, join(dir, 'run')));
    expect(r.code).toBe(EXIT_CODES.data);
    expect(r.line).toBe(`mtrank: ${f}, line 1, column 'price': duplicate column name (fields 3 and 5); rename one`);
  });
});
