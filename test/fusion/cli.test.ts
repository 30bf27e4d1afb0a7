import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runFuseCommand, type FuseCommandOptions } from '../../src/fusion/index.js';
import { auc } from '../../src/metrics/index.js';
import { withConnection, sqlString } from '../../src/util/duckdb.js';
import { Rng } from '../../src/util/rng.js';

/** A predictions file per the contract: p_<task>, y_<task>, group, item_seen. Order ≈ 0.2·p_click + 0.8·p_order. */
function predictions(rows: number, seed: number): string {
  const rng = new Rng(seed);
  const lines = ['p_click,p_order,y_click,y_order,group,item_seen'];
  for (let i = 0; i < rows; i++) {
    const a = rng.float(),
      b = rng.float();
    const yc = rng.float() < a ? 1 : 0,
      yo = 0.2 * a + 0.8 * b + 0.1 * rng.normal() > 0.8 ? 1 : 0;
    lines.push(`${a.toFixed(6)},${b.toFixed(6)},${yc},${yo},${rng.int(30)},${rng.int(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

const base = (o: Partial<FuseCommandOptions>): FuseCommandOptions => ({
  split: 'valid',
  scoreCol: 'p_{task}',
  labelCol: 'y_{task}',
  groupCol: 'group',
  samples: 100,
  constraint: [],
  threads: 1,
  seed: 1,
  ...o,
});

describe('mtrank fuse input and output', () => {
  it('--run: reads predictions/valid.csv and test.csv, uses config fusion:, saves fusion.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuse-run-'));
    try {
      mkdirSync(join(dir, 'predictions'));
      const valid = predictions(1500, 1);
      writeFileSync(join(dir, 'predictions', 'valid.csv'), valid);
      writeFileSync(join(dir, 'predictions', 'test.csv'), predictions(1500, 2));
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({
          fusion: { form: 'linear', search: 'grid', step: 0.25, objective: { type: 'auc', task: 'order' } },
        }),
      );
      const r = await runFuseCommand(base({ run: dir }));
      expect(r.tasks).toEqual(['click', 'order']);
      expect(r.combinations).toBe(25);
      expect(r.rows).toEqual({ valid: 1500, test: 1500 });
      const saved = JSON.parse(readFileSync(join(dir, 'fusion.json'), 'utf8'));
      expect(saved.form).toBe('linear');
      // what predict/serve use: the chosen weights normalised to sum 1 (same ranking as the grid point)
      const sum = r.best.weights.click + r.best.weights.order;
      expect(saved.weights.click).toBeCloseTo(r.best.weights.click / sum, 12);
      expect(saved.weights.order).toBeCloseTo(r.best.weights.order / sum, 12);
      expect(saved.deploy.formula).toMatch(/^score = /);
      expect(saved.best.test).toBeCloseTo(r.best.test!, 12);
      // the saved weights reproduce the reported valid AUC from the file itself
      const rows = valid
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',').map(Number));
      const fused = Float64Array.from(rows, (c) => saved.weights.click * c[0] + saved.weights.order * c[1]);
      expect(
        auc(
          fused,
          Uint8Array.from(rows, (c) => c[3]),
        ),
      ).toBeCloseTo(saved.best.objective, 9);
      expect(saved.heatmap.values.length).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--scores reads Parquet with custom column names; bad labels name file, row and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuse-pq-'));
    try {
      const csv = join(dir, 's.csv'),
        pq = join(dir, 's.parquet');
      writeFileSync(
        csv,
        predictions(800, 3)
          .replace(/p_(\w+)/g, 'score_$1')
          .replace(/y_(\w+)/g, 'label_$1'),
      );
      await withConnection(async (c) => {
        await c.run(`COPY (SELECT * FROM read_csv(${sqlString(csv)})) TO ${sqlString(pq)} (FORMAT parquet)`);
      });
      const r = await runFuseCommand(
        base({ scores: pq, scoreCol: 'score_{task}', labelCol: 'label_{task}', step: 0.5, objective: 'gauc:order' }),
      );
      expect(r.tasks).toEqual(['click', 'order']);
      expect(r.objective.label).toBe('gauc(order)');
      expect(r.best.gauc).toBeCloseTo(r.best.objective, 12);

      const bad = join(dir, 'bad.csv');
      writeFileSync(bad, 'p_click,y_click\n0.5,1\n0.2,0\n0.3,2\n');
      await expect(runFuseCommand(base({ scores: bad }))).rejects.toThrow(
        /bad\.csv, line 4, column 'y_click': label must be 0, 1 or 255 \(missing\), got 2/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI prints JSON with --json and a message (no stack) on bad input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuse-cli-'));
    try {
      const f = join(dir, 'p.csv');
      writeFileSync(f, predictions(600, 4));
      const ok = spawnSync(
        process.execPath,
        ['dist/cli/main.js', 'fuse', '--scores', f, '--step', '0.5', '--threads', '2', '--json'],
        { encoding: 'utf8' },
      );
      expect(ok.status, ok.stderr).toBe(0);
      const out = JSON.parse(ok.stdout.trim().split('\n').pop()!);
      expect(out.combinations).toBe(9);
      expect(out.objective.task).toBe('order'); // rarest task by default
      const bad = spawnSync(
        process.execPath,
        ['dist/cli/main.js', 'fuse', '--scores', f, '--constraint', 'auc(click) ~ 1'],
        { encoding: 'utf8' },
      );
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/^mtrank: fuse: constraint 'auc\(click\) ~ 1'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('takes the run directory as its argument, like every other run command, or as --run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuse-arg-'));
    try {
      mkdirSync(join(dir, 'predictions'));
      writeFileSync(join(dir, 'predictions', 'valid.csv'), predictions(600, 5));
      writeFileSync(join(dir, 'predictions', 'test.csv'), predictions(600, 6));
      writeFileSync(join(dir, 'config.json'), JSON.stringify({}));
      const fuse = (...args: string[]) =>
        spawnSync(
          process.execPath,
          ['dist/cli/main.js', 'fuse', ...args, '--step', '0.5', '--bootstrap', '0', '--json'],
          {
            encoding: 'utf8',
          },
        );
      const byArg = fuse(dir),
        byFlag = fuse('--run', dir);
      expect(byArg.status, byArg.stderr).toBe(0);
      expect(byFlag.status, byFlag.stderr).toBe(0);
      const a = JSON.parse(byArg.stdout.trim().split('\n').pop()!),
        b = JSON.parse(byFlag.stdout.trim().split('\n').pop()!);
      expect(a.savedTo).toEqual([join(dir, 'fusion.json')]);
      expect(a.weights).toEqual(b.weights);
      const both = fuse(dir, '--run', join(dir, 'other'));
      expect(both.status).toBe(1);
      expect(both.stderr).toMatch(/^mtrank: fuse: two run directories given/);
      const cal = spawnSync(process.execPath, ['dist/cli/main.js', 'calibrate'], { encoding: 'utf8' });
      expect(cal.status).toBe(1);
      expect(cal.stderr).toBe('mtrank: calibrate: give the run directory: mtrank calibrate runs/a\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
