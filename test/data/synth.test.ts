import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFunnel, writeFunnel, funnelSequences } from '../../src/data/synth.js';
import { funnelOracle, formatOracle } from '../../src/data/synth-oracle.js';
import { loadConfig } from '../../src/config/index.js';

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / a.length;

describe('synthetic funnel', () => {
  const d = generateFunnel({ rows: 100_000, seed: 11 });

  it('is reproducible for a seed and differs across seeds', () => {
    const again = generateFunnel({ rows: 20_000, seed: 3 }),
      twice = generateFunnel({ rows: 20_000, seed: 3 });
    const bytes = (x: ArrayBufferView) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    for (const k of ['ts', 'user', 'item', 'price', 'userAge', 'click', 'cart', 'order', 'itemImpressions'] as const)
      expect(bytes(twice[k]).equals(bytes(again[k]))).toBe(true);
    expect(twice.itemTags).toEqual(again.itemTags);
    expect(Array.from(generateFunnel({ rows: 20_000, seed: 4 }).item)).not.toEqual(Array.from(again.item));
  });

  it('hits the target rates and nests the funnel (order ⊆ cart ⊆ click)', () => {
    expect(mean(d.click)).toBeGreaterThan(0.09);
    expect(mean(d.click)).toBeLessThan(0.11);
    expect(mean(d.cart)).toBeGreaterThan(0.008);
    expect(mean(d.cart)).toBeLessThan(0.012);
    expect(mean(d.order)).toBeGreaterThan(0.002);
    expect(mean(d.order)).toBeLessThan(0.004);
    let violations = 0;
    for (let r = 0; r < d.rows; r++) violations += (d.cart[r] > d.click[r] ? 1 : 0) + (d.order[r] > d.cart[r] ? 1 : 0);
    expect(violations).toBe(0);
    const custom = generateFunnel({ rows: 50_000, seed: 1, clickRate: 0.2, cartRate: 0.05, orderRate: 0.01 });
    expect(mean(custom.click)).toBeCloseTo(0.2, 1);
    expect(mean(custom.order)).toBeGreaterThan(0.007);
  });

  it('has learnable signal: the item and position change the click rate', () => {
    // Click rate per item differs far beyond binomial noise (affinity + quality), and position 1 beats 20.
    const byPos = (p: number) => mean(Array.from(d.click).filter((_, r) => d.position[r] === p));
    expect(byPos(1)).toBeGreaterThan(byPos(20) * 1.3);
    const clicks = new Map<number, [number, number]>();
    for (let r = 0; r < d.rows; r++) {
      const c = clicks.get(d.item[r]) ?? [0, 0];
      c[0] += d.click[r];
      c[1]++;
      clicks.set(d.item[r], c);
    }
    const rates = [...clicks.values()]
      .filter(([, n]) => n >= 300)
      .map(([c, n]) => c / n)
      .sort((a, b) => a - b);
    expect(rates[Math.floor(rates.length * 0.9)] - rates[Math.floor(rates.length * 0.1)]).toBeGreaterThan(0.08);
  });

  it('keeps users and items fixed as rows grow, so more rows mean more impressions per ID', () => {
    const distinct = (a: Int32Array) => new Set(a).size;
    const small = generateFunnel({ rows: 20_000, seed: 11 });
    expect(distinct(d.user)).toBe(600);
    expect(distinct(small.user)).toBeGreaterThan(590); // not rows/40 = 500
    expect(distinct(d.item)).toBeLessThanOrEqual(800);
    expect(distinct(d.item)).toBeGreaterThan(700);
    const custom = generateFunnel({ rows: 20_000, seed: 11, users: 50, items: 120 });
    expect(distinct(custom.user)).toBe(50);
    expect(distinct(custom.item)).toBeLessThanOrEqual(120);
  });

  it('has price sensitivity by age segment: high prices cost young users more add-to-carts than old ones', () => {
    // Cart per click among the cheapest vs the dearest third of the items, for users under 30 vs 50 and over.
    const prices = Float32Array.from(d.price).sort();
    const lo = prices[Math.floor(prices.length / 3)],
      hi = prices[Math.floor((2 * prices.length) / 3)];
    const cartPerClick = (young: boolean, cheap: boolean) => {
      let carts = 0,
        clicks = 0;
      for (let r = 0; r < d.rows; r++) {
        const age = d.userAge[r];
        if (!d.click[r] || Number.isNaN(age) || (young ? age >= 30 : age < 50)) continue;
        if (cheap ? d.price[r] > lo : d.price[r] < hi) continue;
        clicks++;
        carts += d.cart[r];
      }
      return carts / clicks;
    };
    const drop = (young: boolean) => cartPerClick(young, true) / cartPerClick(young, false);
    expect(drop(true)).toBeGreaterThan(1.5 * drop(false));
  });

  it('brings new items in later days (cold start) and item history grows in time', () => {
    const firstDay = new Map<number, number>();
    for (let r = 0; r < d.rows; r++) if (!firstDay.has(d.item[r])) firstDay.set(d.item[r], d.day[r]);
    const late = [...firstDay.values()].filter((day) => day >= 12).length;
    expect(late).toBeGreaterThan(20);
    let backwards = 0;
    for (let r = 1; r < d.rows; r++) if (d.ts[r] < d.ts[r - 1]) backwards++;
    expect(backwards).toBe(0);
    expect(funnelSequences(d).length).toBeGreaterThan(100);
  });

  it('writes a CSV, sequences and a ready config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtrank-synth-'));
    const w = await writeFunnel(dir, { rows: 3000, seed: 2 });
    const lines = readFileSync(w.csv, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3001);
    expect(lines[0].split(',')).toContain('is_order');
    const cfg = loadConfig(w.config);
    expect(Object.keys(cfg.tasks)).toEqual(['click', 'cart', 'order']);
    expect(cfg.data.source).toBe(w.csv);
  });

  it('oracle AUC: the true probabilities against the drawn labels, equal to a brute-force AUC', () => {
    const small = generateFunnel({
      rows: 4000,
      seed: 5,
      days: 4,
      clickRate: 0.2,
      cartRate: 0.06,
      orderRate: 0.02,
      withProbabilities: true,
    });
    const plain = generateFunnel({ rows: 4000, seed: 5, days: 4, clickRate: 0.2, cartRate: 0.06, orderRate: 0.02 });
    expect(plain.probabilities).toBeUndefined();
    expect(Array.from(small.order)).toEqual(Array.from(plain.order)); // the option changes no draw
    const p = small.probabilities!,
      q = small.probabilitiesNoAffinity!;
    for (let r = 0; r < small.rows; r++) expect(p.order[r] <= p.cart[r] && p.cart[r] <= p.click[r]).toBe(true);
    expect(mean(p.click)).toBeCloseTo(0.2, 2); // the calibrated rate is the mean probability
    // Brute force: share of (positive, negative) pairs the probability orders right, ties counting one half.
    const bruteAuc = (s: Float32Array, y: Uint8Array, rows: number[]) => {
      let wins = 0,
        pairs = 0;
      for (const i of rows)
        if (y[i])
          for (const j of rows)
            if (!y[j]) {
              pairs++;
              wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
            }
      return wins / pairs;
    };
    const o = funnelOracle(small, { validFrom: 2, testFrom: 3 });
    const rowsOf = (keep: (day: number) => boolean) =>
      Array.from({ length: small.rows }, (_, r) => r).filter((r) => keep(small.day[r]));
    const slices = [
      [o.splits.train, rowsOf((d) => d < 2)],
      [o.splits.test, rowsOf((d) => d >= 3)],
      [o.byDay[1], rowsOf((d) => d === 1)],
    ] as const;
    for (const [slice, rows] of slices) {
      expect(slice.rows).toBe(rows.length);
      for (const t of ['click', 'cart', 'order'] as const) {
        expect(slice.positives[t]).toBe(rows.filter((r) => small[t][r]).length);
        expect(slice.auc[t]).toBeCloseTo(bruteAuc(p[t], small[t], rows), 10);
        expect(slice.aucNoAffinity[t]).toBeCloseTo(bruteAuc(q[t], small[t], rows), 10);
      }
    }
    expect(o.splits.train.rows + o.splits.valid.rows + o.splits.test.rows).toBe(small.rows);
    expect(o.byDay.map((x) => x.day)).toEqual([0, 1, 2, 3]);
    expect(formatOracle(o)).toMatch(/test\s+3\s+\d+\s+0\.\d{4}/);
  });

  it('makes the user × item affinity matter: without it the oracle ranks clicks clearly worse', () => {
    const big = generateFunnel({ rows: 100_000, seed: 11, days: 5, withProbabilities: true });
    const o = funnelOracle(big, { validFrom: 3, testFrom: 4 }).splits.test;
    expect(o.auc.click! - o.aucNoAffinity.click!).toBeGreaterThan(0.04);
    expect(o.auc.order! - o.aucNoAffinity.order!).toBeGreaterThan(0.04);
  });

  it("writeFunnel writes DIR/funnel.oracle.json over the config's time split", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtrank-synth-'));
    const w = await writeFunnel(dir, { rows: 5000, seed: 3, days: 7 });
    const json = JSON.parse(readFileSync(join(dir, 'funnel.oracle.json'), 'utf8'));
    expect(json).toEqual(JSON.parse(JSON.stringify(w.oracle)));
    const cfg = loadConfig(w.config);
    expect(cfg.data.split).toMatchObject({
      method: 'time',
      column: 'day',
      validFrom: json.split.validFrom,
      testFrom: json.split.testFrom,
    });
    const days = readFileSync(w.csv, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    expect(json.splits.test.rows).toBe(days.filter((d) => d >= json.split.testFrom).length);
    expect(json.all.auc.click).toBeGreaterThan(0.6);
  });
});
