import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { prepareData } from '../../src/data/prepare.js';
import { writeFunnel } from '../../src/data/synth.js';

const dir = mkdtempSync(join(tmpdir(), 'mtrank-determinism-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A file large enough for DuckDB to read it in parallel: the same data must give the same encoded splits and
// fitted statistics, bit for bit, on every preparation (else the same seed trains a different model).
describe('data preparation is reproducible', () => {
  it('prepares a 700k-row file identically twice (fitted statistics and every encoded array)', async () => {
    const funnel = await writeFunnel(join(dir, 'data'), { rows: 700_000, seed: 3, days: 5 });
    const prepare = (k: number) =>
      prepareData(loadConfig(funnel.config, [`data.cacheDir=${join(dir, `cache${k}`)}`]), {});
    const a = await prepare(1),
      b = await prepare(2);
    expect(JSON.stringify(b.preprocessor.json)).toBe(JSON.stringify(a.preprocessor.json));
    for (const s of ['train', 'valid', 'test'] as const) {
      const x = a[s],
        y = b[s];
      expect(y.rows).toBe(x.rows);
      expect(Buffer.compare(Buffer.from(y.dense.buffer), Buffer.from(x.dense.buffer)), `${s} dense`).toBe(0);
      x.categorical.forEach((c, j) =>
        expect(Buffer.compare(Buffer.from(y.categorical[j]!.ids.buffer), Buffer.from(c.ids.buffer)), `${s} ids`).toBe(
          0,
        ),
      );
    }
  }, 300_000);
});
