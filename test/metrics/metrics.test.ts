import { describe, expect, it } from 'vitest';
import { auc, gauc, logloss, calibration, hasBothClasses } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';
import { MtrankError } from '../../src/util/errors.js';

/** Σ over (positive, negative) pairs of w⁺w⁻·([s⁺ > s⁻] + ½[s⁺ = s⁻]) / (W⁺W⁻): the definition, O(n²). */
function bruteAuc(s: ArrayLike<number>, y: Uint8Array, w?: ArrayLike<number>): number {
  let num = 0,
    wp = 0,
    wn = 0;
  for (let i = 0; i < s.length; i++) {
    const wi = w ? w[i] : 1;
    if (y[i]) wp += wi;
    else wn += wi;
    if (!y[i]) continue;
    for (let j = 0; j < s.length; j++) {
      if (y[j]) continue;
      const wj = w ? w[j] : 1;
      num += wi * wj * (s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0);
    }
  }
  return num / (wp * wn);
}

function tiedData(rng: Rng, n: number, levels: number, rate: number) {
  const s = new Float64Array(n),
    y = new Uint8Array(n),
    g = new Int32Array(n),
    w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.float() < rate ? 1 : 0;
    // few distinct levels -> many ties; label shifts the level so AUC is away from 0.5
    s[i] = Math.floor((rng.float() + 0.3 * y[i]) * levels) / levels;
    g[i] = rng.int(40) * 7 - 100;
    w[i] = rng.float() * 3;
  }
  return { s, y, g, w };
}

describe('auc', () => {
  it('equals the pairwise definition on random data with many ties', () => {
    const rng = new Rng(1);
    for (let trial = 0; trial < 20; trial++) {
      const { s, y } = tiedData(rng, 300 + trial * 17, 2 + trial, 0.05 + 0.04 * trial);
      expect(auc(s, y)).toBeCloseTo(bruteAuc(s, y), 12);
      expect(auc(Float32Array.from(s), y)).toBeCloseTo(bruteAuc(Float32Array.from(s), y), 12);
    }
  });

  it('supports sample weights like sklearn', () => {
    const rng = new Rng(2);
    for (let trial = 0; trial < 10; trial++) {
      const { s, y, w } = tiedData(rng, 400, 5 + trial, 0.2);
      expect(auc(s, y, w)).toBeCloseTo(bruteAuc(s, y, w), 12);
    }
  });

  it('matches known values: perfect, reversed, all tied', () => {
    const y = Uint8Array.from([0, 0, 1, 1]);
    expect(auc(Float64Array.from([0.1, 0.2, 0.3, 0.4]), y)).toBe(1);
    expect(auc(Float64Array.from([0.4, 0.3, 0.2, 0.1]), y)).toBe(0);
    expect(auc(Float64Array.from([0.5, 0.5, 0.5, 0.5]), y)).toBe(0.5);
    // sklearn: roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) == 0.75
    expect(auc(Float64Array.from([0.1, 0.4, 0.35, 0.8]), y)).toBe(0.75);
  });

  it('rejects one-class labels and non-finite scores with a clear error', () => {
    expect(() => auc(Float64Array.from([0.1, 0.2]), Uint8Array.from([1, 1]))).toThrow(/only positives/);
    expect(() => auc(Float64Array.from([0.1, NaN]), Uint8Array.from([0, 1]))).toThrow(MtrankError);
    expect(hasBothClasses(Uint8Array.from([0, 0]))).toBe(false);
    expect(hasBothClasses(Uint8Array.from([0, 1]))).toBe(true);
  });
});

describe('gauc', () => {
  it('equals the impression-weighted mean of brute-force per-group AUCs over two-class groups', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 10; trial++) {
      const { s, y, g } = tiedData(rng, 600, 4 + trial, 0.15);
      const byGroup = new Map<number, number[]>();
      g.forEach((gi, i) => {
        if (!byGroup.has(gi)) byGroup.set(gi, []);
        byGroup.get(gi)!.push(i);
      });
      let num = 0,
        den = 0;
      for (const rows of byGroup.values()) {
        const ys = Uint8Array.from(rows.map((i) => y[i]));
        if (!hasBothClasses(ys)) continue;
        num +=
          rows.length *
          bruteAuc(
            rows.map((i) => s[i]),
            ys,
          );
        den += rows.length;
      }
      expect(gauc(s, y, g)).toBeCloseTo(num / den, 12);
      // sparse ids (hashed user ids) take the sorted-ids path and must agree
      expect(
        gauc(
          s,
          y,
          g.map((v) => v * 5_000_000),
        ),
      ).toBeCloseTo(num / den, 12);
    }
  });

  it('leaves out single-class groups and throws when none qualifies', () => {
    const s = Float64Array.from([0.9, 0.1, 0.5, 0.6, 0.7]);
    const y = Uint8Array.from([1, 0, 1, 1, 0]);
    const g = Int32Array.from([1, 1, 2, 2, 3]);
    expect(gauc(s, y, g)).toBe(1);
    expect(() => gauc(s, y, Int32Array.from([1, 2, 3, 4, 5]))).toThrow(/no group/);
  });
});

describe('logloss and calibration', () => {
  it('match direct formulas, with clipping', () => {
    const s = Float64Array.from([0.9, 0.2, 0, 1]);
    const y = Uint8Array.from([1, 0, 1, 0]);
    const eps = 1e-7;
    const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(eps) + Math.log(1 - (1 - eps))) / 4;
    expect(logloss(s, y, eps)).toBeCloseTo(expected, 10);
    const c = calibration(s, y);
    expect(c.meanPrediction).toBeCloseTo(0.525, 12);
    expect(c.labelRate).toBe(0.5);
    expect(c.ratio).toBeCloseTo(1.05, 12);
  });
});
