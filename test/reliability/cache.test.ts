// Class 1: a damaged cache entry (truncated or bit-flipped column, missing file) is re-encoded with a warning
// and gives the same arrays as a clean encode; never trained on silently.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { project } from './fixture.js';
import { loadConfig } from '../../src/config/load.js';
import { prepareData } from '../../src/data/index.js';

describe('cache integrity', () => {
  it('bit flip, truncation and a missing column file are each caught, warned about and re-encoded', async () => {
    const dir = project(400);
    const config = loadConfig(join(dir, 'exp.yaml'));
    const clean = await prepareData(config);
    const split = join(clean.dir, 'train');
    const file = join(
      split,
      readdirSync(split).find((f) => f.startsWith('cat.'))!,
    );
    const damages: [string, () => void, RegExp][] = [
      [
        'bit flip',
        () => {
          const b = readFileSync(file);
          b[5] = b[5]! ^ 0x10;
          writeFileSync(file, b);
        },
        /fails its checksum/,
      ],
      ['truncation', () => truncateSync(file, 8), /has 8 bytes, expected \d+/],
      ['missing file', () => rmSync(file), /is missing/],
    ];
    for (const [name, damage, why] of damages) {
      damage();
      const said: string[] = [];
      const again = await prepareData(config, { onProgress: (e) => said.push(e.message) });
      const warning = said.find((m) => m.startsWith('warning: cache entry'));
      expect(warning, name).toMatch(why);
      expect(again.report.cached, name).toBe(false);
      expect(Array.from(again.train.categorical[0]!.ids), name).toEqual(Array.from(clean.train.categorical[0]!.ids));
      expect(Array.from(again.train.dense), name).toEqual(Array.from(clean.train.dense));
    }
    expect((await prepareData(config)).report.cached).toBe(true); // the re-encoded entry is whole again
  }, 30_000);
});
