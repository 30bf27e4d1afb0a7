// The column-wise encoder against the row-wise one (Preprocessor.encodeRow, the reference implementation): the same
// ids, dense values and errors for random rows mixing strings, numbers, nulls, null values, OOV and a context row.
import { describe, expect, it } from 'vitest';
import { encodeColumns } from '../../src/features/column-encoder.js';
import { Preprocessor, type PreprocessJson } from '../../src/features/preprocessor.js';

const json: PreprocessJson = {
  version: 1,
  nullValues: ['', 'NA', '-1'],
  labels: [],
  itemFeature: 'item',
  features: [
    {
      name: 'user',
      column: 'user_id',
      input: true,
      group: true,
      kind: 'categorical',
      dim: 4,
      vocab: ['u1', 'u2', '7'],
    },
    {
      name: 'item',
      column: 'item_id',
      input: true,
      group: false,
      kind: 'categorical',
      dim: 4,
      role: 'item',
      vocab: ['a', 'b', 'c'],
    },
    { name: 'shop', column: 'shop', input: true, group: false, kind: 'categorical', dim: 4, hashBuckets: 5 },
    {
      name: 'tags',
      column: 'tags',
      input: true,
      group: false,
      kind: 'multi',
      dim: 4,
      separator: '|',
      maxLength: 2,
      pooling: 'mean',
      vocab: ['t1', 't2', 't3'],
    },
    { name: 'hour', column: 'hour', input: true, group: false, kind: 'bucketize', dim: 4, boundaries: [6, 12, 18] },
    {
      name: 'price',
      column: 'price',
      input: true,
      group: false,
      kind: 'numeric',
      transform: 'log-standardize',
      default: 0.5,
      missingIndicator: true,
      shift: 1.2,
      scale: 0.7,
    },
    {
      name: 'age',
      column: 'age',
      input: true,
      group: false,
      kind: 'numeric',
      transform: 'standardize',
      default: 30,
      missingIndicator: false,
      shift: 33,
      scale: 9,
    },
  ],
};
const p = new Preprocessor(json);

// A small deterministic generator (mulberry32) so a failure reproduces.
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const VALUES: Record<string, readonly unknown[]> = {
  user_id: ['u1', 'u2', 'u9', 7, '7', null, '', 'NA', -1, undefined],
  item_id: ['a', 'b', 'c', 'zz', 3, null, undefined],
  shop: ['s1', 's2', 17, '', null, undefined],
  tags: ['t1|t2', 't3', 't1||t9|t2', '', null, 'NA', undefined],
  hour: [0, 6, 11.5, 12, 23, '7', ' 13 ', null, -1, '-1', undefined],
  price: [0, 1.5, -3, 1e6, '2.25', null, 'NA', -1, undefined],
  age: [18, 40.5, '33', null, undefined],
};
function randomRow(r: () => number): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [c, vs] of Object.entries(VALUES)) {
    const v = pick(r, vs);
    if (v !== undefined) row[c] = v;
  }
  return row;
}

function rowWise(rows: Record<string, unknown>[], context?: Record<string, unknown>) {
  return rows.map((row, i) => p.encodeRow(context ? { ...context, ...row } : row, { row: i + 1 }));
}

describe('encodeColumns', () => {
  it('equals encodeRow row by row, with and without a context', () => {
    const r = rng(11);
    for (let trial = 0; trial < 40; trial++) {
      const rows = Array.from({ length: 1 + Math.floor(r() * 30) }, () => randomRow(r));
      const context = trial % 2 ? randomRow(r) : undefined;
      const got = encodeColumns(p, rows, context);
      const want = rowWise(rows, context);
      const D = p.denseNames.length;
      want.forEach((w, i) => {
        expect(got.categorical.map((c) => c[i])).toEqual(Array.from(w.categorical));
        w.multi.forEach((ids, k) => {
          const m = got.multi[k]!;
          expect(Array.from(m.ids.subarray(m.offsets[i], m.offsets[i + 1]))).toEqual(Array.from(ids));
        });
        expect(Array.from(got.dense.subarray(i * D, (i + 1) * D))).toEqual(Array.from(w.dense));
      });
    }
  });

  it('counts OOV values like a brute-force count over the merged rows', () => {
    const r = rng(5);
    const rows = Array.from({ length: 200 }, () => randomRow(r));
    const context = { user_id: 'u9', tags: 't9|t1' };
    const merged: Record<string, unknown>[] = rows.map((row) => ({ ...context, ...row }));
    const got = encodeColumns(p, rows, context).oov;
    const isNull = (v: unknown) => v === null || v === undefined || p.isNull(String(v));
    for (const f of p.categoricalFeatures) {
      if (f.kind !== 'categorical' || !f.vocab) continue;
      const n = merged.filter((m) => !isNull(m[f.column]) && !f.vocab!.includes(String(m[f.column]))).length;
      expect(got.get(f.name) ?? 0).toBe(n);
    }
    const tokens = merged.flatMap((m) =>
      isNull(m.tags)
        ? []
        : String(m.tags)
            .split('|')
            .filter((t) => t !== '')
            .slice(0, 2),
    );
    expect(got.get('tags') ?? 0).toBe(tokens.filter((t) => !['t1', 't2', 't3'].includes(t)).length);
  });

  it('names the row and column of a bad value, as encodeRow does', () => {
    const rows = [{ price: 1 }, { price: 2 }, { price: 'abc' }];
    expect(() => encodeColumns(p, rows)).toThrow("row 3, column 'price': expected a finite number, got 'abc'");
    expect(() => rowWise(rows)).toThrow("row 3, column 'price': expected a finite number, got 'abc'");
    // A bad context value fails at the first row that reads it.
    expect(() => encodeColumns(p, [{ hour: 3 }, {}], { hour: 'x' })).toThrow("row 2, column 'hour'");
    expect(() => encodeColumns(p, [{ age: Infinity }])).toThrow("row 1, column 'age': expected a finite number");
  });
});
