import { describe, expect, it } from 'vitest';
import { resolveLabelWeight } from '../../src/training/label-weight.js';
import { MtrankError } from '../../src/util/errors.js';

function labels(pos: number, neg: number): Uint8Array {
  const y = new Uint8Array(pos + neg);
  y.fill(1, 0, pos);
  return y;
}

describe('label weight', () => {
  it('auto makes the positives weigh positiveShare of the negatives total', () => {
    const y = labels(100, 900); // click rate 10%
    const w = resolveLabelWeight('click', { labelWeight: 'auto' }, y);
    expect(w).toBeCloseTo(4.5, 12); // 0.5 · 0.9 / 0.1
    // The documented invariant, counted directly: w · #pos = share · #neg.
    expect(w * 100).toBeCloseTo(0.5 * 900, 9);
    const w2 = resolveLabelWeight('order', { labelWeight: 'auto', positiveShare: 0.2 }, labels(1, 999));
    expect(w2 * 1).toBeCloseTo(0.2 * 999, 9);
  });

  it('a number is used as is; absent means 1', () => {
    expect(resolveLabelWeight('t', { labelWeight: 100 }, labels(1, 1))).toBe(100);
    expect(resolveLabelWeight('t', {}, labels(1, 1))).toBe(1);
  });

  it('auto without positives or negatives is a clear error', () => {
    expect(() => resolveLabelWeight('order', { labelWeight: 'auto' }, labels(0, 10))).toThrow(MtrankError);
    expect(() => resolveLabelWeight('order', { labelWeight: 'auto' }, labels(0, 10))).toThrow(/order.*no(ne)?/);
    expect(() => resolveLabelWeight('order', { labelWeight: 'auto' }, labels(10, 0))).toThrow(/negatives/);
    expect(() => resolveLabelWeight('order', { labelWeight: -1 }, labels(1, 1))).toThrow(/positive number/);
  });
});
