// End to end: a run trained with a task whose label is missing on some rows (buy defined only after a click),
// then fuse → fusion.json → predict, calibrate and the report's test noise; every figure against an independent
// computation on that task's labelled rows.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { project, train } from '../reliability/fixture.js';
import { runFuseCommand } from '../../src/fusion/index.js';
import { runCalibrateCommand } from '../../src/fusion/calibrate-run.js';
import { predictFile } from '../../src/app/predict.js';
import { testNoise } from '../../src/report/test-noise.js';

/** Brute-force AUC over the (positive, negative) pairs of labelled rows (label null: missing). */
function bruteAuc(score: number[], y: (number | null)[]): number {
  let wins = 0,
    pairs = 0;
  y.forEach((a, i) => {
    if (a !== 1) return;
    y.forEach((b, j) => {
      if (b !== 0) return;
      pairs++;
      wins += score[i]! > score[j]! ? 1 : score[i] === score[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

/** A CSV as columns of numbers (label 255 → null: the predictions file's missing label). */
function columns(path: string): Record<string, (number | null)[]> {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = head!.split(',');
  const out: Record<string, (number | null)[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const l of lines)
    l.split(',').forEach((v, k) => out[names[k]!]!.push(v === '' || Number(v) === 255 ? null : Number(v)));
  return out;
}

describe('a run with a missing-label task: fuse, predict, calibrate, test noise', () => {
  it('leaves the rows without a buy label out of buy’s figures and keeps them for click', async () => {
    const dir = project(1600);
    // buy has no label where there was no click
    for (const f of ['train.csv', 'valid.csv', 'test.csv']) {
      const [head, ...lines] = readFileSync(join(dir, f), 'utf8').trim().split('\n');
      const rows = lines.map((l) => l.split(',')).map((c) => (c[3] === '0' ? [...c.slice(0, 4), ''] : c));
      writeFileSync(join(dir, f), [head, ...rows.map((c) => c.join(','))].join('\n') + '\n');
    }
    const yaml = join(dir, 'exp.yaml');
    writeFileSync(
      yaml,
      readFileSync(yaml, 'utf8').replace(
        'buy: { label: buy, dependsOn: click }',
        "buy: { label: { column: buy, missing: [''] }, dependsOn: click }",
      ),
    );
    const run = join(dir, 'run');
    await train(dir, run);
    const valid = columns(join(run, 'predictions', 'valid.csv')),
      test = columns(join(run, 'predictions', 'test.csv'));
    expect(valid.y_buy!.filter((y) => y === null).length).toBeGreaterThan(100);

    const r = await runFuseCommand({
      run,
      split: 'valid',
      scoreCol: 'p_{task}',
      labelCol: 'y_{task}',
      groupCol: 'group',
      samples: 100,
      constraint: ['auc(click) >= base(click) - 0.02'],
      objective: 'auc:buy',
      search: 'grid',
      step: 0.1,
      threads: 1,
      seed: 1,
    });
    const fusedOf = (c: Record<string, (number | null)[]>, w: Record<string, number>) =>
      c.p_click!.map((p, i) => w.click! * p! + w.buy! * c.p_buy![i]!);
    const split = { valid, test };
    for (const [name, c] of Object.entries(split)) {
      const base = name === 'valid' ? r.base.valid : r.base.test!;
      expect(base.buy).toBeCloseTo(bruteAuc(c.p_buy as number[], c.y_buy!), 12);
      expect(base.click).toBeCloseTo(bruteAuc(c.p_click as number[], c.y_click!), 12);
    }
    expect(r.best.aucs.buy).toBeCloseTo(bruteAuc(fusedOf(valid, r.best.weights), valid.y_buy!), 12);
    expect(r.best.aucs.click).toBeCloseTo(bruteAuc(fusedOf(valid, r.best.weights), valid.y_click!), 12);
    expect(r.best.testAucs!.buy).toBeCloseTo(bruteAuc(fusedOf(test, r.best.weights), test.y_buy!), 12);
    expect(r.best.aucs.click).toBeGreaterThanOrEqual(r.base.valid.click! - 0.02);
    expect(r.deploy.positives?.valid.buy).toBe(valid.y_buy!.filter((y) => y === 1).length);

    // predict with the saved fusion.json: its score ranks the labelled buy rows as fuse measured
    const saved = JSON.parse(readFileSync(join(run, 'fusion.json'), 'utf8'));
    const out = join(dir, 'scored.csv');
    await predictFile(run, join(dir, 'valid.csv'), out, { say: () => {} });
    const scored = columns(out).score as number[];
    const labels = columns(join(dir, 'valid.csv')).buy!;
    expect(scored).toHaveLength(valid.y_buy!.length);
    expect(bruteAuc(scored, labels)).toBeCloseTo(bruteAuc(fusedOf(valid, saved.weights), valid.y_buy!), 3);

    // calibrate: reliability on buy's labelled rows only (bins count them)
    const cal = await runCalibrateCommand({ run, method: 'platt' });
    const binned = cal.file.tasks.buy!.reliability!.before.reduce((a, b) => a + b.n, 0);
    expect(binned).toBe(test.y_buy!.filter((y) => y !== null).length);

    // the report's test noise: rows and positives on buy's labelled rows
    const noise = (await testNoise(join(run, 'predictions', 'test.csv'), ['click', 'buy']))!;
    expect(noise.tasks.buy!.rows).toBe(test.y_buy!.filter((y) => y !== null).length);
    expect(noise.tasks.buy!.positives).toBe(test.y_buy!.filter((y) => y === 1).length);
    expect(noise.tasks.click!.rows).toBe(test.y_click!.length);
    const point = bruteAuc(test.p_buy as number[], test.y_buy!);
    expect(noise.tasks.buy!.lo).toBeLessThanOrEqual(point);
    expect(noise.tasks.buy!.hi).toBeGreaterThanOrEqual(point);
  }, 120_000);
});
