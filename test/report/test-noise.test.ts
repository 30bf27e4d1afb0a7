import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { funnelOracleFor, testNoise } from '../../src/report/test-noise.js';
import { writeFunnel } from '../../src/data/synth.js';
import { auc } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';

/** Hanley & McNeil (1982) standard error of an AUC: an independent, analytic measure of its noise. */
function hanleyMcNeil(a: number, pos: number, neg: number): number {
  const q1 = a / (2 - a),
    q2 = (2 * a * a) / (1 + a);
  return Math.sqrt((a * (1 - a) + (pos - 1) * (q1 - a * a) + (neg - 1) * (q2 - a * a)) / (pos * neg));
}

describe('test AUC noise for the run report', () => {
  it('gives the positives count and a bootstrap interval as wide as the analytic standard error says', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtrank-noise-'));
    const rng = new Rng(3),
      n = 20_000;
    const y = { common: new Uint8Array(n), rare: new Uint8Array(n) },
      p = { common: new Float32Array(n), rare: new Float32Array(n) };
    const lines = ['p_common,p_rare,y_common,y_rare'];
    for (let r = 0; r < n; r++) {
      const x = rng.normal();
      y.common[r] = rng.float() < 1 / (1 + Math.exp(-(x - 2))) ? 1 : 0;
      y.rare[r] = rng.float() < 1 / (1 + Math.exp(-(1.5 * x - 6))) ? 1 : 0;
      p.common[r] = x + 0.5 * rng.normal();
      p.rare[r] = x + 0.5 * rng.normal();
      lines.push(`${p.common[r]},${p.rare[r]},${y.common[r]},${y.rare[r]}`);
    }
    const file = join(dir, 'test.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const noise = (await testNoise(file, ['common', 'rare'], 400))!;
    expect(noise.by).toBe('row');
    for (const t of ['common', 'rare'] as const) {
      const pos = y[t].reduce((a, b) => a + b, 0),
        a = auc(p[t], y[t]);
      const got = noise.tasks[t]!;
      expect(got.positives).toBe(pos);
      expect(got.rows).toBe(n);
      expect(got.lo).toBeLessThan(a);
      expect(got.hi).toBeGreaterThan(a);
      // A 95% interval spans about 2 × 1.96 standard errors.
      const se = hanleyMcNeil(a, pos, n - pos);
      expect((got.hi - got.lo) / (2 * 1.96 * se)).toBeGreaterThan(0.7);
      expect((got.hi - got.lo) / (2 * 1.96 * se)).toBeLessThan(1.4);
    }
    // The rare task's AUC is the noisier one.
    expect(noise.tasks.rare!.hi - noise.tasks.rare!.lo).toBeGreaterThan(
      noise.tasks.common!.hi - noise.tasks.common!.lo,
    );
    expect(await testNoise(join(dir, 'absent.csv'), ['common'])).toBeUndefined();
  });

  it("finds the synthetic funnel's oracle beside the data source, and nothing for other data", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtrank-noise-'));
    const w = await writeFunnel(dir, { rows: 3000, seed: 2, days: 4 });
    const o = funnelOracleFor({ data: { source: w.csv } })!;
    expect(o.auc).toEqual(w.oracle.splits.test.auc);
    expect(o.aucNoAffinity).toEqual(w.oracle.splits.test.aucNoAffinity);
    expect(o.aucAttainable).toEqual(w.oracle.splits.test.aucAttainable);
    expect(o.minCount).toBe(w.oracle.minCount);
    expect(o.positives).toEqual(w.oracle.splits.test.positives);
    expect(funnelOracleFor({ data: { source: join(dir, 'elsewhere', 'x.csv') } })).toBeUndefined();
    expect(funnelOracleFor({})).toBeUndefined();
  });
});
