// A preprocess.json fitted before the per-kind modules (src/features/kinds/) loads and encodes the same ids and
// values after them: expected.json was written by the encoders of that time from the same rows.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeColumns } from '../../src/features/column-encoder.js';
import { Preprocessor } from '../../src/features/preprocessor.js';

const dir = new URL('../fixtures/preprocess-v1/', import.meta.url);
const rows = JSON.parse(readFileSync(new URL('rows.json', dir), 'utf8')) as Record<string, unknown>[];
const expected = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as {
  names: { categorical: string[]; multi: string[]; dense: string[] };
  encodeRow: { categorical: number[]; multi: number[][]; dense: number[]; item?: number }[];
  encodeColumns: {
    rows: number;
    categorical: number[][];
    multi: { offsets: number[]; ids: number[] }[];
    dense: number[];
    oov: [string, number][];
  };
};

describe('a preprocess.json from before the per-kind modules', () => {
  const p = Preprocessor.load(new URL('preprocess.json', dir).pathname);

  it('keeps its model inputs in the same order', () => {
    expect({ categorical: p.categoricalNames, multi: p.multiNames, dense: p.denseNames }).toEqual(expected.names);
  });

  it('encodes each row as before (encodeRow)', () => {
    const got = rows.map((r, i) => {
      const e = p.encodeRow(r, { row: i + 1 });
      return { categorical: [...e.categorical], multi: e.multi.map((m) => [...m]), dense: [...e.dense], item: e.item };
    });
    expect(got).toEqual(expected.encodeRow);
  });

  it('encodes the columns as before (encodeColumns over a context row)', () => {
    const c = encodeColumns(p, rows.slice(1), { user_id: 'u3', tags: 'c|a' });
    expect({
      rows: c.rows,
      categorical: c.categorical.map((x) => [...x]),
      multi: c.multi.map((m) => ({ offsets: [...m.offsets], ids: [...m.ids] })),
      dense: [...c.dense],
      oov: [...c.oov],
    }).toEqual(expected.encodeColumns);
  });
});
