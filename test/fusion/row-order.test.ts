import { describe, expect, it } from 'vitest';
import { localityOrder, permuted } from '../../src/fusion/row-order.js';
import { createPool } from '../../src/fusion/pool.js';
import { ComboScorer } from '../../src/fusion/scorer.js';
import { Rng } from '../../src/util/rng.js';

describe('localityOrder (the kernel pool scores rows in this order)', () => {
  it('is a permutation sorted by the columns’ sum, non-finite sums first', () => {
    const rng = new Rng(5),
      n = 5000;
    // Sums k/1000 + 1 (k integer) sit in distinct coarse buckets, so the order must be exactly ascending.
    const a = Float64Array.from({ length: n }, () => Math.floor(rng.float() * 1000) / 1000 + 1);
    const b = Float64Array.from({ length: n }, () => 0);
    a[17] = NaN;
    b[99] = -Infinity;
    const order = localityOrder([a, b], n);
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(new Set([order[0], order[1]])).toEqual(new Set([17, 99]));
    const sums = permuted(a, order).subarray(2);
    for (let k = 1; k < sums.length; k++) expect(sums[k]).toBeGreaterThanOrEqual(sums[k - 1]);
  });

  it('leaves every AUC of the pool bit for bit what the unpermuted JavaScript scorer gives', async () => {
    const rng = new Rng(21),
      n = 4001,
      T = 3;
    const cols = Array.from({ length: T }, () =>
      Float64Array.from({ length: n }, () => Math.floor(rng.float() * 30) / 30 - 0.5),
    );
    const labels = cols.map((c) => Uint8Array.from(c, (v) => (rng.float() < 0.1 + 0.5 * (v + 0.5) ? 1 : 0)));
    const offset = Float64Array.from({ length: n }, () => Math.floor(rng.float() * 7) / 7);
    for (const data of [
      { rows: n, columns: cols, labels },
      { rows: n, columns: cols, labels, offset },
    ]) {
      const pool = await createPool(data, 1);
      const reference = new ComboScorer(data); // no kernel memory: the JavaScript pass, rows in their own order
      const batch = [
        [0, 0, 0],
        [1, 0, 0],
        [0, 3, 1],
        [0.3, 0.2, 0.5],
        [2, 1, 0.7],
      ];
      const got = await pool.score(batch, { taskMask: 0b111, withGauc: false });
      await pool.close();
      batch.forEach((w, k) => {
        const want = new Float64Array(T + 1);
        reference.score(w, { taskMask: 0b111, withGauc: false }, want);
        expect(Array.from(got[k])).toEqual(Array.from(want));
      });
    }
  });
});
