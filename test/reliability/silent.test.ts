// Class 1: silent wrong results become refusals or clear errors (issue 13). Exit codes come from the CLI's own
// error mapping (describeFailure), in-process; test/reliability/crash.test.ts checks the wiring through a process.
import { describe, expect, it, beforeAll } from 'vitest';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { outcome, project, train } from './fixture.js';
import { EXIT_CODES } from '../../src/util/errors.js';
import { predictFile } from '../../src/app/predict.js';
import { evaluateRunSplit } from '../../src/app/summary.js';

let dir: string;
const run = () => join(dir, 'run');
const at = (...p: string[]) => join(dir, ...p);
const predict = (output: string, o: Parameters<typeof predictFile>[3] = {}, input = at('test.csv')) =>
  predictFile(run(), input, output, { say: () => {}, ...o });

beforeAll(async () => {
  dir = project();
  await train(dir, run());
}, 60_000);

describe('a run is bound to its data and encoders', () => {
  it('run.json records versions, kernel variant, threads and a fingerprint of each source (checked by an independent CRC)', () => {
    const rec = JSON.parse(readFileSync(join(run(), 'run.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(rec.mtrank).toBe(pkg.version);
    expect(rec.node).toBe(process.version);
    expect(['simd', 'relaxed']).toContain(rec.wasm);
    expect(rec.threads).toBe(1);
    expect(rec.finishedAt).toBeTypeOf('string');
    for (const f of ['train.csv', 'valid.csv', 'test.csv']) {
      const bytes = readFileSync(at(f));
      expect(rec.data.sources).toContainEqual({ path: at(f), size: bytes.length, crc32: crc32(bytes) });
    }
  });

  it('a fresh train into a used directory is refused; --overwrite clears stale artifacts such as fusion.json', async () => {
    const out = at('run-over');
    await train(dir, out);
    writeFileSync(join(out, 'fusion.json'), JSON.stringify({ form: 'linear', weights: { click: 1, buy: 0 } }));
    const again = await outcome(() => train(dir, out));
    expect(again.code).toBe(EXIT_CODES.usage);
    expect(again.line).toMatch(/already holds a run .*--overwrite/);
    expect((await outcome(() => train(dir, out, { overwrite: true }))).code).toBe(0);
    expect(existsSync(join(out, 'fusion.json'))).toBe(false);
    expect(existsSync(join(out, 'metrics.json'))).toBe(true);
  }, 60_000);

  it('--resume after the data changed is refused naming the file; evaluate keeps the run encoders and says so', async () => {
    const before = readFileSync(at('valid.csv'), 'utf8');
    const notes: string[] = [];
    try {
      appendFileSync(at('valid.csv'), 'u1,i1,5,1,0\nnewuser,i1,5,1,0\n');
      const r = await outcome(() => train(dir, run(), { resume: true }));
      expect(r.code).toBe(EXIT_CODES.data);
      expect(r.line).toContain(`${at('valid.csv')} changed`);
      const e = await evaluateRunSplit(run(), 'valid', (l) => notes.push(l));
      expect(notes.join('\n')).toMatch(/data changed since training/);
      expect(e.rows).toBe(before.trim().split('\n').length - 1 + 2);
    } finally {
      writeFileSync(at('valid.csv'), before);
    }
  }, 60_000);
});

describe('predict', () => {
  it('missing feature columns are an error naming them; --allow-missing scores and says how many', async () => {
    const lines = readFileSync(at('test.csv'), 'utf8').trim().split('\n');
    writeFileSync(
      at('noprice.csv'),
      lines
        .map((l) =>
          l
            .split(',')
            .filter((_, k) => k !== 2)
            .join(','),
        )
        .join('\n') + '\n',
    );
    const r = await outcome(() => predict(at('s.csv'), {}, at('noprice.csv')));
    expect(r.code).toBe(EXIT_CODES.data);
    expect(r.line).toMatch(/missing feature column 'price'/);
    expect(existsSync(at('s.csv'))).toBe(false);
    const said: string[] = [];
    await predict(at('s.csv'), { allowMissing: true, say: (l) => said.push(l) }, at('noprice.csv'));
    expect(said.join('\n')).toMatch(new RegExp(`1 feature column absent \\(price\\): all ${lines.length - 1} rows`));
  }, 30_000);

  it('--keep, Parquet via DuckDB and the CSV file agree; an unknown extension is refused', async () => {
    await predict(at('p.csv'), { keep: ['user', 'item'] });
    await predict(at('p.parquet'), { keep: ['user', 'item'] });
    const fileText = readFileSync(at('p.csv'), 'utf8');
    expect(fileText.split('\n')[0]).toBe('user,item,p_click,p_buy');
    const inputRows = readFileSync(at('test.csv'), 'utf8').trim().split('\n').slice(1);
    const csvRows = fileText
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const ids = (rows: string[][]) => rows.map((r) => `${r[0]},${r[1]}`);
    expect(ids(csvRows)).toEqual(ids(inputRows.map((l) => l.split(','))));
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const pq = (await db.runAndReadAll(`SELECT * FROM read_parquet('${at('p.parquet')}')`)).getRows();
    expect(ids(pq.map((r) => r.map(String)))).toEqual(ids(csvRows));
    pq.forEach((r, i) => {
      expect(Number(r[2])).toBeCloseTo(Number(csvRows[i]![2]), 6);
      expect(Number(r[3])).toBeCloseTo(Number(csvRows[i]![3]), 6);
    });
    const bad = await outcome(() => predict(at('p.xlsx')));
    expect(bad.code).toBe(EXIT_CODES.usage);
    expect(bad.line).toMatch(/cannot write '\.xlsx'; use \.csv, \.parquet or -/);
    const keep = await outcome(() => predict(at('p.csv'), { keep: ['user_id'] }));
    expect(keep.line).toMatch(/--keep: .* has no column 'user_id'/);
  }, 40_000);

  it('a changed digit in preprocess.json or a non-numeric fusion weight is a clear error, not different scores', async () => {
    const pre = join(run(), 'preprocess.json');
    const text = readFileSync(pre, 'utf8');
    const digit = text.search(/[1-8]/);
    writeFileSync(pre, text.slice(0, digit) + String(Number(text[digit]) + 1) + text.slice(digit + 1));
    try {
      const r = await outcome(() => predict(at('q.csv')));
      expect(r.code).toBe(EXIT_CODES.data);
      expect(r.line).toMatch(/preprocess\.json: changed since training/);
    } finally {
      writeFileSync(pre, text);
    }
    for (const [weights, why] of [
      [{ click: 'x', buy: 1 }, /weights\.click must be a finite number/],
      [{ click: 1 }, /weights\.buy must be a finite number/],
      [{ click: 0, buy: 0 }, /every weight is 0/],
    ] as const) {
      writeFileSync(join(run(), 'fusion.json'), JSON.stringify({ form: 'linear', weights }));
      const f = await outcome(() => predict(at('q.csv')));
      expect(f.code).toBe(EXIT_CODES.data);
      expect(f.line).toMatch(why);
    }
    writeFileSync(join(run(), 'fusion.json'), JSON.stringify({ form: 'linear', weights: { click: 1, buy: 1 } }));
    await predict(at('q.csv'));
    const q = readFileSync(at('q.csv'), 'utf8').trim().split('\n');
    expect(q[0]).toBe('p_click,p_buy,score');
    const [c, b, s] = q[1]!.split(',').map(Number);
    expect(s).toBeCloseTo(c! + b!, 6); // the linear form, by hand
  }, 30_000);
});
