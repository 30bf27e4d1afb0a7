import { describe, expect, it } from 'vitest';
import { funnelOracle, unlearnableLogits, type FunnelOracleTerms } from '../../src/data/synth-oracle.js';

// A hand-built funnel: train = day 0, valid = day 1, test = day 2; minCount 2.
// Training rows: user 0 twice, user 1 once (unseen: below minCount); item 0 twice, item 1 once, item 2 never.
// The valid row (user 1, item 1) does not count as training.
const rows = [
  // user, item, day, click logit, affinity, its category part, user bias, click label
  [0, 0, 0, 0.0, 0.0, 0.0, 0.0, 1],
  [0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0],
  [1, 1, 0, 0.0, 0.0, 0.0, 0.0, 0],
  [0, 0, 2, 0.2, 1.0, 0.8, 0.1, 0], // warm user, warm item: nothing hidden
  [0, 1, 2, 1.0, 0.9, 0.2, 0.1, 1], // cold item: its own part of the affinity, 0.7
  [1, 0, 2, 0.5, 0.6, 0.1, 0.3, 1], // cold user: the whole affinity 0.6 and its bias 0.3
  [0, 2, 2, 0.9, -0.3, -0.1, 0.1, 0], // cold item: −0.2
  [1, 2, 2, 0.0, 0.5, 0.3, -0.5, 0], // both cold: 0.5 − 0.5 = 0
  [1, 1, 1, 0.0, 0.0, 0.0, 0.0, 0],
] as const;
const col = (k: number) => Float32Array.from(rows, (r) => r[k]);
const ints = (k: number) => Int32Array.from(rows, (r) => r[k]);
const terms: FunnelOracleTerms = {
  // cart and order: the click logit halved (their labels are all 0 here)
  logit: { click: col(3), cart: col(3).map((x) => x / 2), order: col(3).map((x) => x / 2) },
  bias: { click: 0, cart: 0, order: 0 },
  weight: {
    affinity: { click: 1, cart: 0.5, order: 0.5 },
    userBias: { click: 1, cart: 0, order: 0 },
  },
  affinity: col(4),
  affinityCategory: col(5),
  userBias: col(6),
};
const zeros = new Uint8Array(rows.length);
const d = {
  rows: rows.length,
  user: ints(0),
  item: ints(1),
  day: ints(2),
  click: Uint8Array.from(rows, (r) => r[7]),
  cart: zeros,
  order: zeros,
  oracleTerms: terms,
};

describe('funnel oracle: attainable ceiling and warm / cold test rows', () => {
  it('removes what unseen users and items hide, per stage', () => {
    const u = unlearnableLogits(d, 1, 2);
    const close = (a: Float64Array, b: number[]) => a.forEach((x, r) => expect(x).toBeCloseTo(b[r]!, 6));
    close(u.click, [0, 0, 0, 0, 0.7, 0.6 + 0.3, -0.2, 0.5 - 0.5, 0]);
    close(u.cart, [0, 0, 0, 0, 0.5 * 0.7, 0.5 * 0.6, 0.5 * -0.2, 0.5 * 0.5, 0]);
    close(u.order, [0, 0, 0, 0, 0.5 * 0.7, 0.5 * 0.6, 0.5 * -0.2, 0.5 * 0.5, 0]);
    // with minCount 1 user 1 and item 1 are seen: only item 2 (never in training) hides its own part
    close(unlearnableLogits(d, 1, 1).click, [0, 0, 0, 0, 0, 0, -0.2, 0.5 - 0.3, 0]);
  });

  it('ranks test rows by the oracle, the attainable and the no-affinity logits, also on warm / cold items', () => {
    const o = funnelOracle(d, { validFrom: 1, testFrom: 2 }, 2);
    // Test click logits: oracle .2 1.0 .5 .9 0; attainable .2 .3 −.4 1.1 0; without affinity −.8 .1 −.1 1.2 −.5.
    // Positives are rows 4 and 5: the share of (positive, negative) pairs ranked right, counted by hand.
    expect(o.splits.test.rows).toBe(5);
    expect(o.splits.test.positives).toEqual({ click: 2, cart: 0, order: 0 });
    expect(o.splits.test.auc.click).toBeCloseTo(5 / 6, 10);
    expect(o.splits.test.aucAttainable.click).toBeCloseTo(2 / 6, 10);
    expect(o.splits.test.aucNoAffinity.click).toBeCloseTo(4 / 6, 10);
    expect(o.splits.test.auc.cart).toBeNull(); // one class only
    // Warm items (item 0): rows 3 and 5. Cold (items 1 and 2): rows 4, 6, 7.
    const { warm, cold } = o.testByItem;
    expect([warm.rows, cold.rows]).toEqual([2, 3]);
    expect([warm.auc.click, warm.aucAttainable.click, warm.aucNoAffinity.click]).toEqual([1, 0, 1]);
    expect([cold.auc.click, cold.aucAttainable.click, cold.aucNoAffinity.click]).toEqual([1, 0.5, 0.5]);
    expect(o.minCount).toBe(2);
  });
});
