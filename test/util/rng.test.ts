import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/util/rng.js';

describe('Rng', () => {
  it('repeats its stream for a seed and differs across seeds', () => {
    const a = new Rng(7),
      b = new Rng(7),
      c = new Rng(8);
    const xs = Array.from({ length: 50 }, () => a.u32());
    expect(Array.from({ length: 50 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c.u32())).not.toEqual(xs);
  });

  it('draws uniform integers (chi-square over 10 buckets)', () => {
    const r = new Rng(1),
      n = 100_000,
      counts = new Array(10).fill(0);
    for (let i = 0; i < n; i++) counts[r.int(10)]++;
    const chi2 = counts.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.9); // p = 0.001 at 9 degrees of freedom
  });

  it('draws standard normals', () => {
    const r = new Rng(2),
      n = 100_000;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.02);
  });

  it('shuffles into a permutation and forks independent streams', () => {
    const a = new Rng(3).shuffle(Int32Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(a.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const root = new Rng(4);
    expect(root.fork('a').u32()).toBe(new Rng(4).fork('a').u32());
    expect(root.fork('a').u32()).not.toBe(root.fork('b').u32());
  });
});
