import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffLabels, differingPaths } from '../../src/report/config-diff.js';
import { flattenConfig } from '../../src/util/config-paths.js';
import { buildCompareReport, loadGroups, writeCompareReport } from '../../src/report/compare.js';
import { meanStd } from '../../src/report/stats.js';
import { writeFixtureRun } from './fixture-run.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-compare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('config differences', () => {
  it('flattens nested maps to dotted paths, keeping arrays as leaves', () => {
    expect([...flattenConfig({ a: { b: 1, c: [64, 32] }, d: 'x', e: {} })]).toEqual([
      ['a.b', '1'],
      ['a.c', '[64,32]'],
      ['d', 'x'],
      ['e', '{}'],
    ]);
  });

  it('labels configs by the paths that differ, and only those', () => {
    const base = {
      seed: 42,
      tasks: { click: { labelWeight: 1 }, order: { labelWeight: 1 } },
      model: { type: 'shared-bottom' },
    };
    const configs = [
      base,
      { ...base, tasks: { ...base.tasks, order: { labelWeight: 100 } } },
      { ...base, tasks: { ...base.tasks, order: { labelWeight: 100 } }, model: { type: 'mmoe', experts: 4 } },
    ];
    expect(differingPaths(configs)).toEqual(['tasks.order.labelWeight', 'model.type', 'model.experts']);
    expect(diffLabels(configs, ['a', 'b', 'c'])).toEqual([
      'tasks.order.labelWeight=1, model.type=shared-bottom, model.experts=(unset)',
      'tasks.order.labelWeight=100, model.type=shared-bottom, model.experts=(unset)',
      'tasks.order.labelWeight=100, model.type=mmoe, model.experts=4',
    ]);
  });

  it('ignores settings that do not change what a run learns, and paths the caller says vary within a group', () => {
    const configs = [
      { a: 1, b: 1, data: { cacheDir: 'x' }, training: { threads: 1 } },
      { a: 2, b: 2, data: { cacheDir: 'y' }, training: { threads: 2 } },
    ];
    expect(diffLabels(configs, ['r1', 'r2'])).toEqual(['a=1, b=1', 'a=2, b=2']);
    expect(diffLabels(configs, ['r1', 'r2'], new Set(['b']))).toEqual(['a=1', 'a=2']);
  });

  it('falls back to run names when nothing differs, and disambiguates equal labels', () => {
    expect(diffLabels([{ a: 1 }, { a: 1 }], ['r1', 'r2'])).toEqual(['r1', 'r2']);
    expect(diffLabels([{ a: 1 }, { a: 2 }, { a: 2 }], ['r1', 'r2', 'r3'])).toEqual(['a=1', 'a=2 (r2)', 'a=2 (r3)']);
  });
});

describe('comparison report', () => {
  const dirs = [1, 10, 100].map((w, i) => {
    const d = join(root, `w${w}`);
    writeFixtureRun(d, { config: { tasks: { order: { labelWeight: w } } }, aucShift: 0.01 * i });
    return d;
  });

  it('labels runs by their config differences and overlays one validation curve per run and task', async () => {
    const groups = loadGroups(dirs.map((d) => ({ dirs: [d] })));
    expect(groups.map((g) => g.label)).toEqual([
      'tasks.order.labelWeight=1',
      'tasks.order.labelWeight=10',
      'tasks.order.labelWeight=100',
    ]);
    const report = await buildCompareReport(groups);
    const curves = report.charts.find((c) => c.name === 'valid-auc')!;
    const values = (curves.spec as any).data.values as any[];
    for (const [i, d] of dirs.entries()) {
      const evals = readFileSync(join(d, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((r) => r.type === 'eval' && r.split === 'valid');
      for (const task of ['click', 'cart', 'order']) {
        expect(values.filter((v) => v.run === groups[i].label && v.task === task).map((v) => [v.step, v.auc])).toEqual(
          evals.map((e) => [e.step, e.tasks[task].auc]),
        );
      }
      expect(curves.svg).toContain(groups[i].label); // legend entry
    }
  });

  it('tabulates final metrics with differences against the first run', async () => {
    const report = await buildCompareReport(loadGroups(dirs.map((d) => ({ dirs: [d] }))));
    const test = dirs.map((d) => JSON.parse(readFileSync(join(d, 'metrics.json'), 'utf8')).test);
    const delta = test[2].order.auc - test[0].order.auc;
    expect(delta).toBeGreaterThan(0);
    expect(report.html).toContain(`<td class="better">+${delta.toFixed(4)}</td>`);
    const dLogloss = test[2].order.logloss - test[0].order.logloss; // lower is better: a drop is green
    expect(report.html).toContain(`<td class="better">−${Math.abs(dLogloss).toFixed(4)}</td>`);
    expect(report.summary[1].test.order.auc!.mean).toBeCloseTo(test[1].order.auc, 12);
  });

  it('groups seeds of one setting: labels ignore the seed, values are mean ± std', async () => {
    const seedDirs = (w: number) =>
      [1, 2, 3].map((s) => {
        const d = join(root, `s-w${w}`, `seed-${s}`);
        writeFixtureRun(d, { config: { seed: s, tasks: { order: { labelWeight: w } } }, aucShift: 0.002 * s * s });
        return d;
      });
    const out = join(root, 'seeds', 'compare.html');
    await writeCompareReport([{ dirs: seedDirs(1) }, { dirs: seedDirs(10) }], { out, png: false });
    const summary = JSON.parse(readFileSync(join(root, 'seeds', 'compare.json'), 'utf8'));
    expect(summary.map((s: any) => s.run)).toEqual(['tasks.order.labelWeight=1', 'tasks.order.labelWeight=10']);
    const aucs = seedDirs(1).map((d) => JSON.parse(readFileSync(join(d, 'metrics.json'), 'utf8')).test.click.auc);
    const mean = aucs.reduce((a, b) => a + b) / 3;
    const std = Math.sqrt(aucs.reduce((a, b) => a + (b - mean) ** 2, 0) / 2);
    expect(summary[0].test.click.auc.mean).toBeCloseTo(mean, 12);
    expect(summary[0].test.click.auc.std).toBeCloseTo(std, 12);
    expect(readFileSync(out, 'utf8')).toContain(`${mean.toFixed(4)} ± ${std.toFixed(4)}`);
  });
});

it('meanStd uses the sample standard deviation and ignores missing values', () => {
  expect(meanStd([1, 2, 3, 4, undefined, NaN])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
  expect(meanStd([7])).toEqual({ mean: 7, std: 0, n: 1 });
  expect(meanStd([])).toBeUndefined();
});
