import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  calibrate,
  fitIsotonic,
  fitPlatt,
  loadCalibration,
  parseCalibration,
  reliability,
  taskCalibrator,
  undoLabelWeight,
} from '../../src/fusion/calibration.js';
import { calibrateTask } from '../../src/fusion/calibrate-run.js';
import { Rng } from '../../src/util/rng.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const logit = (p: number) => Math.log(p / (1 - p));

/** Mean log loss of σ(a·logit(p) + b) — the independent check of the Platt fit. */
function plattLoss(p: Float64Array, y: Uint8Array, a: number, b: number): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = sigmoid(a * logit(p[i]) + b);
    s -= y[i] ? Math.log(q) : Math.log(1 - q);
  }
  return s / p.length;
}

describe('calibration', () => {
  it('undoes a label weight exactly: a weighted constant model predicts w·q / (w·q + 1 − q)', () => {
    // by hand: w 4, p 0.5 → 0.5 / (0.5 + 4·0.5) = 0.2
    expect(undoLabelWeight(0.5, 4)).toBeCloseTo(0.2, 15);
    // a constant model trained with positive weight w on label rate q minimises w·q·(−log p) + (1 − q)·(−log(1 − p)),
    // whose minimiser (found here by a fine scan) is the inflated p; undoing it gives q back
    for (const [q, w] of [
      [0.001, 478],
      [0.01, 49],
      [0.1, 4.5],
    ]) {
      let best = 0,
        bestLoss = Infinity;
      for (let k = 1; k < 200000; k++) {
        const p = k / 200000,
          l = -w * q * Math.log(p) - (1 - q) * Math.log(1 - p);
        if (l < bestLoss) [best, bestLoss] = [p, l];
      }
      expect(undoLabelWeight(best, w)).toBeCloseTo(q, 4);
    }
  });

  it('Platt: the fitted (a, b) minimise the log loss (no better point nearby; recovers planted parameters)', () => {
    const rng = new Rng(3),
      n = 4000;
    const p = new Float64Array(n),
      y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      p[i] = 0.02 + 0.96 * rng.float();
      y[i] = rng.float() < sigmoid(0.6 * logit(p[i]) - 1) ? 1 : 0;
    }
    const { a, b } = fitPlatt(p, y);
    const at = plattLoss(p, y, a, b);
    for (const [da, db] of [
      [1e-3, 0],
      [-1e-3, 0],
      [0, 1e-3],
      [0, -1e-3],
      [1e-3, 1e-3],
    ])
      expect(plattLoss(p, y, a + da, b + db)).toBeGreaterThan(at);
    expect(a).toBeCloseTo(0.6, 1);
    expect(b).toBeCloseTo(-1, 1);
  });

  it('isotonic equals the min–max formula max_{j≤i} min_{k≥i} mean(y[j..k]) and is non-decreasing', () => {
    const rng = new Rng(5),
      n = 60;
    const p = Float64Array.from({ length: n }, () => rng.float());
    const y = Uint8Array.from(p, (v) => (rng.float() < v ? 1 : 0));
    const m = fitIsotonic(p, y);
    const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => p[i] - p[j]);
    const ys = order.map((i) => y[i]);
    for (let i = 0; i < n; i++) {
      let best = -Infinity;
      for (let j = 0; j <= i; j++) {
        let low = Infinity;
        for (let k = i; k < n; k++) {
          let s = 0;
          for (let r = j; r <= k; r++) s += ys[r];
          low = Math.min(low, s / (k - j + 1));
        }
        best = Math.max(best, low);
      }
      const c = { labelWeight: 1, method: 'isotonic' as const, isotonic: m };
      expect(calibrate(c, p[order[i]])).toBeCloseTo(best, 12);
    }
    expect(m.y.every((v, k) => k === 0 || v >= m.y[k - 1])).toBe(true);
  });

  it('ECE over equal-count bins, by hand', () => {
    // 4 rows, 2 bins: {0.1, 0.2} with labels {0, 1} → |0.15 − 0.5|; {0.6, 0.8} with {1, 1} → |0.7 − 1|
    const r = reliability([0.8, 0.1, 0.6, 0.2], [1, 0, 1, 1], 2);
    expect(r.bins).toEqual([
      { p: 0.15000000000000002, rate: 0.5, n: 2 },
      { p: 0.7, rate: 1, n: 2 },
    ]);
    expect(r.ece).toBeCloseTo(0.5 * 0.35 + 0.5 * 0.3, 15);
  });

  it('on label-weighted scores, undoing the weight cuts ECE; the file round-trips and bad files name the field', () => {
    const rng = new Rng(9),
      n = 20000,
      w = 50;
    const p = new Float64Array(n),
      y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const q = 0.02 * rng.float() * 2;
      y[i] = rng.float() < q ? 1 : 0;
      p[i] = (w * q) / (w * q + 1 - q); // what a weighted model predicts
    }
    const c = calibrateTask('analytic', w, { p, y }, { p, y, split: 'valid' });
    expect(c.ece!.before).toBeGreaterThan(0.3);
    expect(c.ece!.after).toBeLessThan(0.01);
    const file = parseCalibration(
      JSON.parse(JSON.stringify({ version: 1, fittedOn: 'v.csv', tasks: { order: c } })),
      'cal.json',
    );
    expect(taskCalibrator(file, 'order')(0.5)).toBeCloseTo(1 / 51, 15);
    expect(() => taskCalibrator(file, 'click', 'cal.json')).toThrow(/cal.json: no calibration for task 'click'/);
    expect(() =>
      parseCalibration(
        { version: 1, fittedOn: 'v', tasks: { order: { labelWeight: -1, method: 'analytic' } } },
        'x.json',
      ),
    ).toThrow(/x.json: tasks.order.labelWeight: expected a positive label weight/);
    expect(() =>
      parseCalibration({ version: 1, fittedOn: 'v', tasks: { order: { labelWeight: 2, method: 'platt' } } }, 'x.json'),
    ).toThrow(/method 'platt' but no platt parameters/);
    const dir = mkdtempSync(join(tmpdir(), 'cal-'));
    try {
      writeFileSync(join(dir, 'calibration.json'), '{ not json');
      expect(() => loadCalibration(join(dir, 'calibration.json'))).toThrow(/calibration.json: not valid JSON/);
      expect(loadCalibration(join(dir, 'absent.json'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
