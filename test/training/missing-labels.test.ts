import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { prepareData } from '../../src/data/prepare.js';
import { MISSING_LABEL } from '../../src/data/types.js';
import { taskLosses } from '../../src/training/loss.js';
import { scoreSplit } from '../../src/training/evaluation.js';
import { labelRate } from '../../src/training/label-weight.js';
import { Rng } from '../../src/util/rng.js';

const M = MISSING_LABEL;

describe('per-task missing labels', () => {
  it("adds no loss for a task on rows without its label: loss and gradient equal training on that task's subset", () => {
    const rng = new Rng(5),
      B = 12,
      T = 2;
    const Z = Float32Array.from({ length: B * T }, () => rng.normal());
    const click = Uint8Array.from({ length: B }, () => (rng.float() < 0.5 ? 1 : 0));
    const order = Uint8Array.from({ length: B }, (_, i) => (i % 3 === 0 ? M : rng.float() < 0.3 ? 1 : 0));
    const chains = [[0], [0, 1]];
    const alloc = (n: number) => new Float32Array(n);
    const full = taskLosses({ Z, rows: B, chains, labels: [click, order], labelWeights: [1, 3] }, alloc);
    // The subset: only the rows where order has a label, fed as a batch of their own.
    const keep = [...order.keys()].filter((i) => order[i] !== M);
    const Zs = Float32Array.from(keep.flatMap((i) => [Z[i * T]!, Z[i * T + 1]!]));
    const sub = taskLosses(
      {
        Z: Zs,
        rows: keep.length,
        chains,
        labels: [Uint8Array.from(keep, (i) => click[i]!), Uint8Array.from(keep, (i) => order[i]!)],
        labelWeights: [1, 3],
      },
      alloc,
    );
    expect(full.losses[1]).toBeCloseTo(sub.losses[1]!, 6);
    keep.forEach((i, k) => {
      for (let j = 0; j < T; j++) expect(full.grads[1]![i * T + j]).toBeCloseTo(sub.grads[1]![k * T + j]!, 7);
    });
    for (let i = 0; i < B; i++)
      if (order[i] === M) expect([full.grads[1]![i * T], full.grads[1]![i * T + 1]]).toEqual([0, 0]);
    // The click task, labelled everywhere, is unchanged by order's missing labels.
    const noMissing = taskLosses({
      Z,
      rows: B,
      chains,
      labels: [click, order.map((y) => (y === M ? 0 : y))],
      labelWeights: [1, 3],
    });
    expect(full.losses[0]).toBe(noMissing.losses[0]);
  });

  it('leaves unlabelled rows out of the metrics: AUC equals a brute-force AUC on the labelled rows', () => {
    const rng = new Rng(9),
      n = 400;
    const y = Uint8Array.from({ length: n }, () => (rng.float() < 0.2 ? M : rng.float() < 0.3 ? 1 : 0));
    const p = Float32Array.from(y, (v) => Math.min(1, Math.max(0, 0.3 * (v === 1 ? 1 : 0) + 0.7 * rng.float())));
    let wins = 0,
      pairs = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (y[i] === 1 && y[j] === 0) {
          pairs++;
          wins += p[i]! > p[j]! ? 1 : p[i] === p[j] ? 0.5 : 0;
        }
    const m = scoreSplit(['t'], [p], [y]).t!;
    expect(m.auc).toBeCloseTo(wins / pairs, 10);
    const labelled = [...y].filter((v) => v !== M);
    expect(m.labelRate).toBeCloseTo(labelled.filter((v) => v === 1).length / labelled.length, 10);
    expect(labelRate(y)).toBeCloseTo(m.labelRate, 10);
  });

  const csv = (dir: string, body: string[]) => {
    const path = join(dir, 'rows.csv');
    writeFileSync(path, ['day,user,is_click,cart_status', ...body].join('\n') + '\n');
    return path;
  };
  const config = (source: string, dir: string, onBadRow: 'error' | 'skip') =>
    parseConfig({
      seed: 1,
      data: {
        source,
        onBadRow,
        split: { method: 'time', column: 'day', validFrom: 2, testFrom: 3 },
        cacheDir: join(dir, 'cache'),
      },
      features: { user: { type: 'categorical' } },
      tasks: {
        click: { label: { column: 'is_click', missing: ['', 'NA'] } },
        cart: { label: { column: 'cart_status', positive: ['yes'], missing: ['', 'NA'] } },
      },
    });

  it('stages declared missing values as no label, and refuses (or skips and counts) a row without any label', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtrank-missing-'));
    const rows = ['0,a,1,yes', '0,b,0,NA', '1,a,1,', '1,b,NA,no', '2,a,0,no', '2,b,1,yes', '3,a,1,no', '3,b,0,yes'];
    const data = await prepareData(config(csv(dir, rows), dir, 'error'), {});
    expect([...data.train.labels.click!]).toEqual([1, 0, 1, M]);
    expect([...data.train.labels.cart!]).toEqual([1, M, M, 0]);
    const withEmptyRow = [...rows.slice(0, 2), '0,c,NA,', ...rows.slice(2)];
    const bad = mkdtempSync(join(tmpdir(), 'mtrank-missing-'));
    await expect(prepareData(config(csv(bad, withEmptyRow), bad, 'error'))).rejects.toThrow(
      /line 4.*label for at least one task/,
    );
    const skip = mkdtempSync(join(tmpdir(), 'mtrank-missing-'));
    const skipped = await prepareData(config(csv(skip, withEmptyRow), skip, 'skip'));
    expect(skipped.train.rows).toBe(4);
    expect(skipped.report.badRows.reasons['no label for any task']).toBe(1);
  });
});
