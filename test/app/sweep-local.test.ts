import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { LOCK_FILE } from '../../src/training/run-lock.js';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseGrid, planRuns, planSweep, pointName, splitValues, sweepPoints } from '../../src/app/sweep/plan.js';
import { runSweep } from '../../src/app/sweep/local.js';
import { MtrankError } from '../../src/util/errors.js';
import { paretoPoints } from '../../src/report/sweep-report.js';
import { fixtureConfig } from '../report/fixture-run.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fake = [process.execPath, fileURLToPath(new URL('./fake-trainer.mjs', import.meta.url))];
const config = join(root, 'config.json');
writeFileSync(
  config,
  JSON.stringify(fixtureConfig(['click', 'order'], { seed: 7, features: { price: { type: 'numeric' } } })),
);
const quiet = () => {};

describe('grid parsing and planning', () => {
  it('splits values on top-level commas only', () => {
    expect(splitValues('1, 10,100')).toEqual(['1', '10', '100']);
    expect(splitValues('[64,32],[128],{"a":1,"b":2},"x,y"')).toEqual(['[64,32]', '[128]', '{"a":1,"b":2}', '"x,y"']);
  });

  it('rejects malformed axes with a message that shows the expected form', () => {
    expect(() => parseGrid('tasks.order.labelWeight')).toThrow(/expected path=v1,v2/);
    expect(() => parseGrid('a=1,,2')).toThrow(/empty value/);
    expect(() => parseGrid('a=1,1')).toThrow(/listed twice/);
    expect(() => sweepPoints([parseGrid('a=1'), parseGrid('a=2')])).toThrow(/given twice/);
  });

  it('names the --grid or --set argument a bad value came from, before any trainer starts', () => {
    const out = join(root, 'bad-values');
    expect(() => planSweep({ config, grids: ['tasks.order.labelWeight=1,heavy'], out })).toThrow(
      "--grid tasks.order.labelWeight=heavy: expected a positive number or 'auto'",
    );
    expect(() => planSweep({ config, grids: ['model.type=mmoe,mmeo'], out })).toThrow(
      "--grid model.type=mmeo: expected one of shared-bottom, single-task, mmoe, ple, esmm, got 'mmeo' (did you mean 'mmoe'?)",
    );
    expect(() =>
      planSweep({ config, grids: ['tasks.order.labelWeight=1,10'], sets: ['training.epochs=abc'], seeds: 2, out }),
    ).toThrow("--set training.epochs=abc: expected a number, got 'abc'");
    expect(existsSync(out)).toBe(false);
  });

  it('is the cartesian product, first axis slowest', () => {
    const points = sweepPoints([
      parseGrid('tasks.order.labelWeight=1,10,100,500'),
      parseGrid('model.type=shared-bottom,mmoe'),
    ]);
    expect(points).toHaveLength(8);
    expect(points.map((p) => p.sets.join(' '))).toEqual(
      ['1', '10', '100', '500'].flatMap((w) =>
        ['shared-bottom', 'mmoe'].map((m) => `tasks.order.labelWeight=${w} model.type=${m}`),
      ),
    );
    expect(new Set(points.map((p) => p.name)).size).toBe(8);
    expect(points[1].name).toBe('tasks.order.labelWeight=1__model.type=mmoe');
    const runs = planRuns(points.slice(0, 2), '/s', [7, 8]);
    expect(runs.map((r) => r.dir)).toEqual([
      '/s/tasks.order.labelWeight=1__model.type=shared-bottom/seed-7',
      '/s/tasks.order.labelWeight=1__model.type=shared-bottom/seed-8',
      '/s/tasks.order.labelWeight=1__model.type=mmoe/seed-7',
      '/s/tasks.order.labelWeight=1__model.type=mmoe/seed-8',
    ]);
  });

  it('keeps point names short and distinct', () => {
    const long = (v: string) => pointName([`model.bottom=[${'512,'.repeat(40)}${v}]`]);
    expect(long('1').length).toBeLessThanOrEqual(120);
    expect(long('1')).not.toBe(long('2'));
    expect(pointName(['data.train=a/b c.csv'])).toBe('data.train=a_b_c.csv');
  });
});

describe('sweep with a fake trainer', () => {
  let calls: string;
  beforeEach(() => {
    calls = join(root, `calls-${Date.now()}.log`);
    process.env.FAKE_TRAINER_CALLS = calls;
  });
  afterEach(() => {
    delete process.env.FAKE_TRAINER_CALLS;
    delete process.env.FAKE_TRAINER_FAIL;
    delete process.env.FAKE_TRAINER_MS;
  });
  const started = () =>
    existsSync(calls)
      ? readFileSync(calls, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('start')).length
      : 0;

  it('runs 4 points, then 0 when run again (resumable), and writes the comparison', async () => {
    const out = join(root, 'four');
    const opts = {
      config,
      grids: ['tasks.order.labelWeight=1,10,100,500'],
      out,
      trainCommand: fake,
      png: false,
      log: quiet,
    };
    const first = await runSweep(opts);
    expect([first.ran.length, first.skipped.length, started()]).toEqual([4, 0, 4]);
    const second = await runSweep(opts);
    expect([second.ran.length, second.skipped.length, started()]).toEqual([0, 4, 4]);
    const summary = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(summary.map((s: any) => s.run)).toEqual(
      ['1', '10', '100', '500'].map((w) => `tasks.order.labelWeight=${w}`),
    );
    // The fake trainer's order AUC is 0.7 + 0.02·log10(w) + 0.001·(seed mod 10), seed 7 from the config.
    summary.forEach((s: any, i: number) =>
      expect(s.test.order.auc.mean).toBeCloseTo(0.7 + 0.02 * Math.log10([1, 10, 100, 500][i]) + 0.007, 12),
    );
    expect(readFileSync(join(out, 'compare.html'), 'utf8')).toContain('tasks.order.labelWeight=500');
  });

  it('counts points, seeds and runs in the singular when there is one', async () => {
    const lines: string[] = [];
    const opts = { config, grids: ['tasks.order.labelWeight=3'], trainCommand: fake, png: false };
    await runSweep({ ...opts, out: join(root, 'one'), log: (l: string) => lines.push(l) });
    expect(lines[0]).toMatch(/^sweep: 1 point × 1 seed = 1 run in /);
    await runSweep({ ...opts, out: join(root, 'two'), seeds: 2, log: (l: string) => lines.push(l) });
    expect(lines.find((l) => l.includes('two'))).toMatch(/^sweep: 1 point × 2 seeds = 2 runs in /);
  });

  it('never starts while an old trainer still writes a trial directory (its lock names a live pid)', async () => {
    const out = join(root, 'busy');
    const opts = { config, grids: ['tasks.order.labelWeight=1,10'], out, trainCommand: fake, png: false, log: quiet };
    const first = await runSweep(opts);
    const dir = first.ran[0]!.dir;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // This test process is alive: the lock is not stale.
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), command: 'train', startedAt: new Date().toISOString() }),
    );
    const before = started();
    await expect(runSweep(opts)).rejects.toThrow(/still being written by another trainer/);
    expect(started()).toBe(before);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true); // nothing cleared under the live writer
  });

  it('never runs more than --parallel trainers at once', async () => {
    process.env.FAKE_TRAINER_MS = '150';
    const parallel = Math.min(2, availableParallelism());
    await runSweep({
      config,
      grids: ['tasks.order.labelWeight=1,2,3,4'],
      out: join(root, 'par'),
      parallel,
      trainCommand: fake,
      png: false,
      log: quiet,
    });
    const events = readFileSync(calls, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([kind, , t]) => ({ kind, t: Number(t) }));
    events.sort((a, b) => a.t - b.t || (a.kind === 'end' ? -1 : 1));
    let live = 0,
      peak = 0;
    for (const e of events) {
      live += e.kind === 'start' ? 1 : -1;
      peak = Math.max(peak, live);
    }
    expect(peak).toBeLessThanOrEqual(parallel);
    expect(events.filter((e) => e.kind === 'start')).toHaveLength(4);
    await expect(
      runSweep({ config, grids: ['a=1'], parallel: availableParallelism() + 1, trainCommand: fake, log: quiet }),
    ).rejects.toThrow(/--parallel/);
  });

  it('repeats each point over seeds from the config seed and reports mean ± std', async () => {
    const out = join(root, 'seeds');
    const r = await runSweep({
      config,
      grids: ['tasks.order.labelWeight=1,100'],
      seeds: 3,
      out,
      trainCommand: fake,
      png: false,
      log: quiet,
    });
    expect(r.ran.map((x) => x.seed)).toEqual([7, 8, 9, 7, 8, 9]);
    const summary = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(summary.map((s: any) => s.run)).toEqual(['tasks.order.labelWeight=1', 'tasks.order.labelWeight=100']);
    // Seeds 7, 8, 9 add 0.007, 0.008, 0.009: mean +0.008, sample std 0.001.
    expect(summary[1].test.order.auc.mean).toBeCloseTo(0.7 + 0.04 + 0.008, 12);
    expect(summary[1].test.order.auc.std).toBeCloseTo(0.001, 12);
    // sweep.html: 6 trials; the Pareto front over (click, order) test AUC, checked against the definition (no
    // trial at least as good on both and better on one): here the two seed-9 trials.
    const trials = r.runs.map((x, i) => {
      const m = JSON.parse(readFileSync(join(x.dir, 'metrics.json'), 'utf8'));
      return { i, seed: x.seed, click: m.test.click.auc as number, order: m.test.order.auc as number };
    });
    const brute = trials.filter(
      (a) => !trials.some((b) => b.click >= a.click && b.order >= a.order && (b.click > a.click || b.order > a.order)),
    );
    expect(brute.map((t) => t.seed)).toEqual([9, 9]);
    const rows = r.runs.map((x) => ({
      sets: x.point.sets,
      seed: x.seed,
      status: 'finished' as const,
      test: JSON.parse(readFileSync(join(x.dir, 'metrics.json'), 'utf8')).test,
    }));
    expect(
      paretoPoints(rows, ['click', 'order'])
        .filter((p) => p.front)
        .map((p) => p.trial),
    ).toEqual(brute.map((t) => t.i));
    const page = readFileSync(join(out, 'sweep.html'), 'utf8');
    expect(page).toContain('Pareto front');
    expect(page).toContain('0.7480 ± 0.0010');
    expect(page.match(/<strong>/g)).toHaveLength(2);
  });

  it('reports failed runs with their log, keeps the rest, and retries only the failures on rerun', async () => {
    const out = join(root, 'fail');
    process.env.FAKE_TRAINER_FAIL = 'labelWeight=10';
    const opts = { config, grids: ['tasks.order.labelWeight=1,10'], out, trainCommand: fake, png: false, log: quiet };
    const err = await runSweep(opts).catch((e) => e);
    expect(err).toBeInstanceOf(MtrankError);
    expect(err.message).toMatch(/1 of 2 runs failed/);
    expect(readFileSync(join(out, 'logs', 'tasks.order.labelWeight=10.log'), 'utf8')).toContain('failing as asked');
    expect(existsSync(join(out, 'compare.html'))).toBe(true);
    delete process.env.FAKE_TRAINER_FAIL;
    const again = await runSweep(opts);
    expect([again.ran.length, again.skipped.length]).toEqual([1, 1]);
  });

  it('identifies trials by their resolved config: a rerun with another --set retrains and moves the old run aside', async () => {
    const out = join(root, 'changed');
    const opts = { config, grids: ['tasks.order.labelWeight=1,10'], out, trainCommand: fake, png: false, log: quiet };
    await runSweep(opts);
    expect(started()).toBe(2);
    const again = await runSweep({ ...opts, sets: ['training.epochs=2'] });
    expect([again.ran.length, again.skipped.length, started()]).toEqual([2, 0, 4]);
    const dir = join(out, 'tasks.order.labelWeight=1');
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).training.epochs).toBe(2);
    const aside = readdirSync(out).filter((f) => f.startsWith('tasks.order.labelWeight=1.replaced-'));
    expect(aside).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(out, aside[0]!, 'config.json'), 'utf8')).training.epochs).toBe(1);
    // The same settings again: both complete, nothing runs.
    const third = await runSweep({ ...opts, sets: ['training.epochs=2'] });
    expect([third.ran.length, third.skipped.length, started()]).toEqual([0, 2, 4]);
  });
});
