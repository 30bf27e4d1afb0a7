import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { createServer, type RankingServer } from '../../src/serve/server.js';
import { loadRanker } from '../../src/serve/ranker.js';
import { csvRows, FUSION, numericColumns, trainFixtureRun, typedRow, type FixtureRun } from './fixture.js';

let fx: FixtureRun;
let server: RankingServer;
let rows: Record<string, unknown>[];
const TOKEN = 'secret-token';

beforeAll(async () => {
  fx = await trainFixtureRun({ seed: 9 });
  // A 100 ms batching window keeps requests in flight long enough for a reload to happen in the middle.
  server = await createServer({ dir: fx.dir, adminToken: TOKEN, maxWaitMs: 100 });
  const r = await loadRanker(fx.dir);
  const nums = numericColumns(r.preprocessor);
  r.close();
  rows = csvRows(fx.csv, 80).map((x) => typedRow(x, nums));
}, 60_000);
afterAll(() => server.drain());

const rank = (candidates = rows.slice(0, 30)) =>
  server.app.inject({ method: 'POST', url: '/v1/rank', payload: { candidates } });
const reload = (token = TOKEN) =>
  server.app.inject({ method: 'POST', url: '/admin/reload', headers: { authorization: `Bearer ${token}` } });
const fused = (w: Record<string, number>, t: Record<string, number>) =>
  Object.entries(w).reduce((s, [k, v]) => s + v * t[k]!, 0);

describe('hot reload', () => {
  it('needs the token', async () => {
    expect((await reload('wrong')).statusCode).toBe(401);
    expect((await server.app.inject({ method: 'POST', url: '/admin/reload' })).statusCode).toBe(401);
  });

  it('refuses a corrupted artifact and keeps serving the old model', async () => {
    const before = (await rank()).json();
    const weights = join(fx.dir, 'model', 'manifest.json');
    const manifest = JSON.parse(readFileSync(weights, 'utf8'));
    const bin = join(fx.dir, 'model', manifest.binary);
    copyFileSync(bin, bin + '.bak');
    writeFileSync(bin, readFileSync(bin).subarray(0, 100)); // truncated weights
    try {
      const res = await reload();
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatch(/reload refused, still serving the previous model: .*bytes, manifest says/);
    } finally {
      copyFileSync(bin + '.bak', bin);
    }
    writeFileSync(join(fx.dir, 'fusion.json'), '{"form":"linear"'); // broken JSON
    expect((await reload()).statusCode).toBe(422);
    writeFileSync(join(fx.dir, 'fusion.json'), JSON.stringify(FUSION));
    const after = await rank();
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual(before);
    expect(await metric('mtrank_reloads_total{result="refused"}')).toBe(2);
  });

  it('swaps atomically while requests are in flight: each answer is wholly the old or the new model', async () => {
    const oldHash = (await rank()).json().model.hash;
    const newFusion = { form: 'linear', weights: { click: 1, cart: 0, order: 0.5 } };
    writeFileSync(join(fx.dir, 'fusion.json'), JSON.stringify(newFusion));
    const first = Array.from({ length: 8 }, (_, i) => rank(rows.slice(i, i + 30)));
    const batcher = server.slot.current!.batcher;
    while (batcher.waiting < 8) await new Promise((r) => setTimeout(r, 1)); // all 8 are in flight now
    const swapped = reload();
    const second = Array.from({ length: 8 }, (_, i) => rank(rows.slice(i + 10, i + 40)));
    const res = await Promise.all([...first, ...second]);
    expect((await swapped).statusCode).toBe(200);
    const newHash = (await swapped).json().model.hash;
    expect(newHash).not.toBe(oldHash);
    const hashes = res.map((r) => r.json().model.hash);
    expect(res.every((r) => r.statusCode === 200)).toBe(true);
    expect(hashes.slice(0, 8)).toEqual(Array(8).fill(oldHash));
    expect(hashes.slice(8)).toEqual(Array(8).fill(newHash));
    // The old model's answers were computed before its memory was given back, with its own fusion weights.
    res.forEach((r, k) => {
      const w = k < 8 ? FUSION.weights : newFusion.weights;
      for (const it of r.json().items) expect(it.score).toBeCloseTo(fused(w, it.tasks), 12);
    });
    expect(await metric('mtrank_reloads_total{result="ok"}')).toBe(1);
    expect((await server.app.inject({ url: '/metrics' })).body).toContain(`hash="${newHash}"} 1`);
    writeFileSync(join(fx.dir, 'fusion.json'), JSON.stringify(FUSION));
  });
});

describe('request fuzzing', () => {
  it('any body gets a 2xx or a 4xx with a JSON error, never a 5xx', async () => {
    const columns = Object.keys(rows[0]!);
    const value = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
      fc.constantFrom(1e300, -1e300, 1e-300, Number.MAX_SAFE_INTEGER),
      fc.object({ maxDepth: 1 }),
    );
    const row = fc.dictionary(fc.oneof(fc.constantFrom(...columns), fc.string({ maxLength: 4 })), value, {
      maxKeys: 8,
    });
    const realRow = fc
      .constantFrom(...rows)
      .chain((r) => fc.record({ base: fc.constant(r), patch: row }).map(({ base, patch }) => ({ ...base, ...patch })));
    const oneFieldOff = fc
      .record({ base: fc.constantFrom(...rows), column: fc.constantFrom(...columns), v: value })
      .map(({ base, column, v }) => ({ ...base, [column]: v }));
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({
        candidates: fc.array(fc.oneof({ arbitrary: fc.constantFrom(...rows), weight: 8 }, oneFieldOff), {
          minLength: 1,
          maxLength: 30,
        }),
      }),
      fc.record(
        {
          context: fc.oneof(row, value),
          candidates: fc.oneof(fc.array(fc.oneof(realRow, row, value), { maxLength: 40 }), value),
          topK: fc.oneof(fc.integer({ min: -2, max: 50 }), value),
        },
        { requiredKeys: [] },
      ),
    );
    const fuzzed = await createServer({ dir: fx.dir, maxWaitMs: 0 });
    let ok = 0;
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('/v1/rank', '/v1/score'), async (b, url) => {
        const payload =
          url === '/v1/score' && b && typeof b === 'object' && 'candidates' in b ? { rows: b.candidates } : b;
        const res = await fuzzed.app.inject({
          method: 'POST',
          url,
          payload: JSON.stringify(payload) ?? 'null',
          headers: { 'content-type': 'application/json' },
        });
        expect(res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500)).toBe(true);
        if (res.statusCode !== 200) expect(typeof res.json().error).toBe('string');
        else ok++;
        if (res.statusCode === 200)
          for (const it of res.json().items ?? res.json().rows) expect(Number.isFinite(it.score)).toBe(true);
      }),
      { numRuns: 300, seed: 11 },
    );
    await fuzzed.drain();
    expect(ok).toBeGreaterThan(20); // the fuzzer also reaches the scoring path
  }, 60_000);
});

async function metric(series: string): Promise<number> {
  const text = (await server.app.inject({ url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.split(' ')[1]) : 0;
}
