// Each bad-input case must fail with a message naming the file, the line (or row) and the column — or,
// with onBadRow: skip, drop and count the row.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { prepareData } from '../../src/data/prepare.js';
import { MtrankError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'mtrank-bad-'));
let n = 0;
function file(text: string, name = `f${n++}.csv`): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const good = 'user,price,click\nu1,1.5,0\nu2,2.5,1\nu1,3.5,0\nu3,4,1\n';

function config(train: string, extra: Record<string, unknown> = {}) {
  return parseConfig({
    data: { train, cacheDir: join(dir, 'cache'), ...extra },
    features: { user: { type: 'categorical' }, price: { type: 'numeric' } },
    tasks: { click: { label: 'click' } },
  });
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MtrankError);
    return (e as Error).message;
  }
  throw new Error('expected a failure');
}

describe('bad input', () => {
  it('a missing column names the file, the header line and the column', async () => {
    const f = file('user,price\nu1,1\n');
    expect(await failure(prepareData(config(f)))).toBe(
      `${f}, line 1, column 'click': column not found (the file has: user, price)`,
    );
  });

  it('a label outside its rule names file, line and column', async () => {
    const f = file('user,price,click\nu1,1,0\nu2,2,1\nu3,3,yes\n');
    expect(await failure(prepareData(config(f)))).toMatch(
      new RegExp(`^${f}, line 4, column 'click': label outside its rule .*got 'yes'`),
    );
    const g = file('user,price,status\nu1,1,paid\nu2,2,lost\n');
    const cfg = parseConfig({
      data: { train: g, cacheDir: join(dir, 'cache') },
      features: { user: { type: 'categorical' } },
      tasks: { order: { label: { column: 'status', positive: ['paid'], negative: ['cancelled'] } } },
    });
    expect(await failure(prepareData(cfg))).toMatch(
      new RegExp(
        `^${g}, line 3, column 'status': label outside its rule \\(expected one of paid, cancelled\\), got 'lost'`,
      ),
    );
  });

  it.each([['NaN'], ['Infinity'], ['-inf'], ['abc'], ['1e999']])(
    '%s in a numeric column names file, line and column',
    async (bad) => {
      const f = file(`user,price,click\nu1,1,0\nu2,${bad},1\n`);
      expect(await failure(prepareData(config(f)))).toBe(
        `${f}, line 3, column 'price': expected a finite number, got '${bad}'`,
      );
    },
  );

  it('a row with the wrong number of fields names file and line', async () => {
    const f = file('user,price,click\nu1,1,0\nu2,2,1\nu3,3,1,extra\nu4,4,0\n');
    expect(await failure(prepareData(config(f)))).toMatch(new RegExp(`^${f}, line 4: wrong number of fields`));
    const g = file('user,price,click\nu1,1,0\nu2,2\nu4,4,0\n');
    expect(await failure(prepareData(config(g)))).toMatch(
      new RegExp(`^${g}, line 3, column 'click': wrong number of fields`),
    );
  });

  it('the line is right in the second of several files and after skipped lines', async () => {
    const a = file(good),
      b = file('# exported\nuser,price,click\nu1,1,0\nu1,x,0\n');
    const cfg = parseConfig({
      data: { train: { path: [a, b] }, skipLines: 0, cacheDir: join(dir, 'cache') },
      features: { user: { type: 'categorical' }, price: { type: 'numeric' } },
      tasks: { click: { label: 'click' } },
    });
    expect(await failure(prepareData(cfg))).toMatch(new RegExp(`^${b}`));
    const c = parseConfig({ ...cfg, data: { train: { path: b, skipLines: 1 }, cacheDir: join(dir, 'cache') } });
    expect(await failure(prepareData(c))).toBe(`${b}, line 4, column 'price': expected a finite number, got 'x'`);
  });

  it('an empty split is an error naming the split and its source', async () => {
    const f = file('user,price,click,day\nu1,1,0,1\nu2,2,1,1\nu3,3,0,3\n');
    const cfg = config(f, {
      train: undefined,
      source: f,
      split: { method: 'time', column: 'day', validFrom: 2, testFrom: 3 },
    });
    expect(await failure(prepareData(cfg))).toMatch(
      new RegExp(`^valid split is empty \\(${f} after the time split\\)`),
    );
    const empty = file('user,price,click\n');
    expect(await failure(prepareData(config(empty)))).toBe(`${empty}: no data rows (only a header line)`);
  });

  it('a header-only or 0-byte source is named as such, not blamed on the split', async () => {
    const split = { method: 'time', column: 'day', validFrom: 2, testFrom: 3 };
    const headerOnly = file('user,price,click,day\n');
    expect(await failure(prepareData(config(headerOnly, { train: undefined, source: headerOnly, split })))).toBe(
      `${headerOnly}: no data rows (only a header line)`,
    );
    const zero = file('');
    expect(await failure(prepareData(config(zero, { train: undefined, source: zero, split })))).toBe(
      `${zero}: the file is empty (0 bytes)`,
    );
    const allBad = file('user,price,click,day\nu1,abc,0,1\n');
    expect(
      await failure(prepareData(config(allBad, { train: undefined, source: allBad, split, onBadRow: 'skip' }))),
    ).toBe(`${allBad}: no data rows (all 1 were bad rows, skipped)`);
  });

  it('a time split on timestamps; an unreadable time names file, line and column', async () => {
    const text =
      'user,price,click,ts\nu1,1,0,2024-01-01 10:00:00\nu2,2,1,2024-01-02 11:00:00\nu3,3,0,2024-01-03 09:00:00\nu4,4,1,2024-01-01 23:59:59\n';
    const f = file(text);
    const split = { method: 'time', column: 'ts', validFrom: '2024-01-02', testFrom: '2024-01-03' };
    const d = await prepareData(config(f, { train: undefined, source: f, split }));
    expect([d.train.rows, d.valid.rows, d.test.rows]).toEqual([2, 1, 1]);
    expect(Array.from(d.train.labels.click)).toEqual([0, 1]);
    const g = file(text.replace('2024-01-03 09:00:00', 'soon'));
    expect(await failure(prepareData(config(g, { train: undefined, source: g, split })))).toBe(
      `${g}, line 4, column 'ts': expected a timestamp (time split column), got 'soon'`,
    );
  });

  it('a missing file and unreadable headerless columns are named', async () => {
    expect(await failure(prepareData(config(join(dir, 'nope.csv'))))).toBe(`${join(dir, 'nope.csv')}: file not found`);
    const f = file('u1,1,0\nu2,2,1\n');
    const cfg = config(f, { header: false, columns: ['user', 'price'] });
    expect(await failure(prepareData(cfg))).toMatch(
      new RegExp(`^${f}, line 1: rows have 3 fields but columns: names 2`),
    );
  });

  it('with onBadRow: skip, bad rows are dropped, counted per reason and never reach the arrays', async () => {
    const f = file('user,price,click\nu1,1,0\nu2,NaN,1\nu3,3,2\nu4,4,0,9\nu5,5,1\n');
    const d = await prepareData(config(f, { onBadRow: 'skip' }));
    expect(d.train.rows).toBe(2);
    expect(d.report.badRows.skipped).toBe(3);
    expect(d.report.badRows.reasons).toEqual({
      'wrong number of fields': 1,
      'not a finite number': 1,
      'label of click outside its rule': 1,
    });
    // Lines stay right after a rejected row: the NaN is on line 3, the bad label on line 4.
    expect(d.report.badRows.examples.join('\n')).toContain(`${f}, line 3, column 'price'`);
    expect(d.report.badRows.examples.join('\n')).toContain(`${f}, line 4, column 'click'`);
    expect(d.train.dense.every(Number.isFinite)).toBe(true);
    expect(Array.from(d.train.labels.click)).toEqual([0, 1]);
  });
});
