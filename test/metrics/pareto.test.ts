import { describe, expect, it } from 'vitest';
import { dominates, paretoFront } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';

/** The definition: i is on the front when no j dominates it (duplicates: only the first index is kept). */
function bruteFront(p: number[][]): number[] {
  const out: number[] = [];
  p.forEach((a, i) => {
    if (a.some(Number.isNaN)) return;
    const beaten = p.some((b, j) => j !== i && !b.some(Number.isNaN) && dominates(b, a));
    const dupBefore = p.slice(0, i).some((b) => b.every((v, k) => v === a[k]));
    if (!beaten && !dupBefore) out.push(i);
  });
  return out;
}

describe('paretoFront', () => {
  it('matches the O(n²) definition on random points with ties, 2-4 objectives', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 60; trial++) {
      const dims = 2 + (trial % 3),
        n = 1 + Math.floor(rng.float() * 80);
      const pts = Array.from({ length: n }, () => Array.from({ length: dims }, () => Math.floor(rng.float() * 6) / 5));
      if (trial % 7 === 0) pts[0]![1] = NaN;
      expect(paretoFront(pts)).toEqual(bruteFront(pts));
    }
  });
  it('a known front', () => {
    expect(
      paretoFront([
        [1, 0],
        [0, 1],
        [0.5, 0.5],
        [0.4, 0.4],
        [1, 0],
      ]),
    ).toEqual([0, 1, 2]);
  });
});
