// The interaction log reader's filters (--until, --where), checked against the same filter applied to the
// file's lines in plain JS.
import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInteractionLog } from '../../src/pretrain/log.js';
import { MtrankError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'mtrank-log-'));
const lines: string[][] = [];
for (let r = 0; r < 40; r++) {
  const t = (r * 7) % 40; // out of time order, so a prefix of the file is not the answer
  lines.push([
    `u${r % 5}`,
    `i${(r * 3) % 11}`,
    String(t),
    new Date(Date.UTC(2022, 3, 1 + (t % 20), 12)).toISOString().replace('T', ' ').slice(0, 19),
    String(r % 2),
  ]);
}
const csv = join(dir, 'log.csv');
writeFileSync(csv, ['user,item,t,ts,click', ...lines.map((l) => l.join(','))].join('\n') + '\n');

async function errorOf(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(MtrankError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}
const pairs = (log: { users: string[]; items: string[] }) => log.users.map((u, r) => `${u}:${log.items[r]}`);

describe('interaction log filters', () => {
  it('--until on a numeric time column keeps exactly the rows before it, in file order', async () => {
    const log = await readInteractionLog(csv, { user: 'user', item: 'item', time: 't', until: '17' });
    const want = lines.filter((l) => Number(l[2]) < 17);
    expect(pairs(log)).toEqual(want.map((l) => `${l[0]}:${l[1]}`));
    expect(Array.from(log.time!)).toEqual(want.map((l) => Number(l[2])));
    expect(log.filter).toEqual({ fileRows: 40, keptRows: want.length });
    expect((await readInteractionLog(csv, { user: 'user', item: 'item', time: 't' })).filter).toBeUndefined();
  });

  it('--until with a timestamp on a timestamp column, and --where with it', async () => {
    const log = await readInteractionLog(csv, {
      user: 'user',
      item: 'item',
      time: 'ts',
      until: '2022-04-09',
      where: 'click = 1',
    });
    const want = lines.filter((l) => l[3] < '2022-04-09' && l[4] === '1');
    expect(want.length).toBeGreaterThan(3);
    expect(pairs(log)).toEqual(want.map((l) => `${l[0]}:${l[1]}`));
    expect(Array.from(log.time!)).toEqual(want.map((l) => Date.parse(`${l[3].replace(' ', 'T')}Z`)));
    const where = await readInteractionLog(csv, {
      user: 'user',
      item: 'item',
      where: "item IN ('i3', 'i4') AND t >= 10",
    });
    expect(pairs(where)).toEqual(
      lines.filter((l) => ['i3', 'i4'].includes(l[1]) && Number(l[2]) >= 10).map((l) => `${l[0]}:${l[1]}`),
    );
  });

  it('errors: kinds that do not compare, no time column, a bad filter; rows are named as in the file', async () => {
    expect(
      await errorOf(() => readInteractionLog(csv, { user: 'user', item: 'item', time: 't', until: '2022-04-09' })),
    ).toMatch(/--until 2022-04-09: the time column 't' holds numbers/);
    expect(
      await errorOf(() => readInteractionLog(csv, { user: 'user', item: 'item', time: 'ts', until: '17' })),
    ).toMatch(/--until 17: the time column 'ts' holds timestamp values/);
    expect(
      await errorOf(() => readInteractionLog(csv, { user: 'user', item: 'item', time: 't', until: 'soon' })),
    ).toMatch(/--until soon: expected a number or a timestamp/);
    expect(await errorOf(() => readInteractionLog(csv, { user: 'user', item: 'item', until: '17' }))).toMatch(
      /--until 17: needs a time column \(--time COL or --until-column COL\)/,
    );
    expect(await errorOf(() => readInteractionLog(csv, { user: 'user', item: 'item', where: 'clicks >' }))).toMatch(
      /--where clicks >: not a valid filter on .*log\.csv/,
    );
    // A missing user on file row 30, after rows the filter dropped: the message names row 30.
    const bad = join(dir, 'bad.csv');
    const rows = lines.map((l, r) => (r === 29 ? ['', ...l.slice(1)] : l));
    writeFileSync(bad, ['user,item,t,ts,click', ...rows.map((l) => l.join(','))].join('\n') + '\n');
    expect(Number(lines[29][2])).toBeLessThan(30);
    expect(await errorOf(() => readInteractionLog(bad, { user: 'user', item: 'item', time: 't', until: 30 }))).toMatch(
      /bad\.csv, row 30, column 'user': missing user ID/,
    );
    // A time that cannot be compared with --until is named too (never silently kept or dropped).
    const noTime = join(dir, 'no-time.csv');
    writeFileSync(
      noTime,
      ['user,item,t,day', 'u1,i1,3,2022-04-01', 'u1,i2,,2022-04-02', 'u2,i1,5,2022-04-03'].join('\n') + '\n',
    );
    expect(
      await errorOf(() =>
        readInteractionLog(noTime, { user: 'user', item: 'item', time: 'day', until: '4', untilColumn: 't' }),
      ),
    ).toMatch(/no-time\.csv, row 2, column 't': missing or unreadable time, cannot compare it with --until 4/);
  });

  const kuairand = join(import.meta.dirname, '../../../shared/datasets/kuairand-k15/interactions.tsv');
  it.skipIf(!existsSync(kuairand))(
    'KuaiRand: --until on the split column keeps exactly the rows before the test days',
    async () => {
      // examples/kuairand.yaml splits on `date` (testFrom 20220420); sequences are ordered by time_ms.
      const log = await readInteractionLog(kuairand, {
        user: 'user_id',
        item: 'video_id',
        time: 'time_ms',
        until: '20220420',
        untilColumn: 'date',
      });
      const [head, ...rows] = readFileSync(kuairand, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      const at = (c: string) => head.indexOf(c);
      const want = rows.filter((r) => Number(r[at('date')]) < 20220420);
      expect(pairs(log)).toEqual(want.map((r) => `${r[at('user_id')]}:${r[at('video_id')]}`));
      expect(Array.from(log.time!)).toEqual(want.map((r) => Number(r[at('time_ms')])));
      expect(log.filter).toEqual({ fileRows: rows.length, keptRows: want.length });
      // On time_ms itself the cut differs: `date` rounds to the hour, so 23:45-24:00 Beijing time counts as the next day.
      const byMs = await readInteractionLog(kuairand, {
        user: 'user_id',
        item: 'video_id',
        time: 'time_ms',
        until: String(Date.UTC(2022, 3, 19, 16)),
      });
      expect(byMs.users.length).toBe(rows.filter((r) => Number(r[at('time_ms')]) < Date.UTC(2022, 3, 19, 16)).length);
    },
  );
});
