import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type RankingServer } from '../../src/serve/server.js';
import { loadRanker, type Ranker } from '../../src/serve/ranker.js';
import { scoreRecords } from '../../src/app/predict.js';
import { exportRun } from '../../src/export/export.js';
import { runCalibrateCommand } from '../../src/fusion/calibrate-run.js';
import { loadSavedRun } from '../../src/training/saved-run.js';
import { csvRows, FUSION, numericColumns, trainFixtureRun, typedRow, type FixtureRun } from './fixture.js';

let fx: FixtureRun;
let server: RankingServer;
let ranker: Ranker;
let rows: Record<string, unknown>[];
const USER_FIELDS = ['user_id', 'hour', 'device', 'user_activity', 'user_age'];

beforeAll(async () => {
  fx = await trainFixtureRun();
  server = await createServer({ dir: fx.dir, maxCandidates: 50, bodyLimit: 64 * 1024 });
  ranker = await loadRanker(fx.dir);
  const nums = numericColumns(ranker.preprocessor);
  rows = csvRows(fx.csv, 60).map((r) => typedRow(r, nums));
}, 60_000);
afterAll(async () => {
  await server.drain();
  ranker.close();
});

const split = (r: Record<string, unknown>) => {
  const context: Record<string, unknown> = {},
    item: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) (USER_FIELDS.includes(k) ? context : item)[k] = v;
  return { context, item };
};
const post = (url: string, payload: unknown) => server.app.inject({ method: 'POST', url, payload: payload as object });

describe('mtrank serve: a calibrated run', () => {
  it("answers mtrank predict's calibrated probabilities and score, on the engine and on onnxruntime", async () => {
    const dir = join(fx.root, 'calibrated');
    cpSync(fx.dir, dir, { recursive: true });
    await runCalibrateCommand({ run: dir, method: 'platt' });
    writeFileSync(join(dir, 'fusion.json'), JSON.stringify({ ...FUSION, probabilities: 'calibrated' }));
    const out = join(fx.root, 'calibrated-export');
    exportRun(dir, out);
    const context = split(rows[0]!).context;
    const candidates = rows.slice(0, 40).map((r) => split(r).item);
    // mtrank predict's numbers for the same rows (context merged under each candidate).
    const want = scoreRecords(
      loadSavedRun(dir),
      candidates.map((c) => ({ ...context, ...c })),
    );
    const raw = scoreRecords(
      loadSavedRun(fx.dir),
      candidates.map((c) => ({ ...context, ...c })),
    );
    for (const backend of ['engine', 'onnxruntime'] as const) {
      const s = await createServer({ dir: out, backend });
      const res = await s.app.inject({ method: 'POST', url: '/v1/rank', payload: { context, candidates } });
      expect(res.statusCode).toBe(200);
      expect(res.json().model.calibrated).toBe(true);
      const items = res.json().items as { index: number; score: number; tasks: Record<string, number> }[];
      expect(items).toHaveLength(40);
      for (const it of items) {
        expect(Math.abs(it.score - want.fused![it.index]!), backend).toBeLessThan(1e-5);
        for (const t of ['click', 'cart', 'order']) {
          expect(Math.abs(it.tasks[t]! - want.tasks[t]![it.index]!), `${backend} ${t}`).toBeLessThan(1e-5);
        }
      }
      // The calibrated answer is not the raw one.
      expect(Math.max(...items.map((it) => Math.abs(it.tasks.order! - raw.tasks.order![it.index]!)))).toBeGreaterThan(
        1e-3,
      );
      await s.drain();
    }
  }, 60_000);
});

describe('mtrank serve: routes', () => {
  it('POST /v1/rank answers what ranker.rank answers, with the model version and hash', async () => {
    const context = split(rows[0]!).context;
    const candidates = rows.slice(0, 40).map((r) => split(r).item);
    const res = await post('/v1/rank', { context, candidates, topK: 10 });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const expected = await ranker.rank({ context, candidates, topK: 10 });
    expect(body.items).toHaveLength(10);
    body.items.forEach((it: { index: number; id: unknown; score: number; tasks: object }, j: number) => {
      expect(it.index).toBe(expected[j]!.index);
      expect(it.id).toBe(candidates[it.index]!.item_id);
      expect(it.score).toBeCloseTo(expected[j]!.score, 12);
      expect(it.tasks).toEqual(expected[j]!.tasks);
    });
    expect(body.model).toEqual({
      version: ranker.info.version,
      hash: ranker.info.hash,
      score: 'fusion',
      calibrated: false,
    });
  });

  it('POST /v1/score scores flat rows; a missing numeric takes its training default', async () => {
    const some = rows.slice(0, 20).map((r, i) => (i === 3 ? { ...r, price: null } : r));
    const res = await post('/v1/score', { rows: some });
    expect(res.statusCode).toBe(200);
    const expected = await ranker.score(some.map((r) => (r.price === null ? { ...r, price: undefined } : r)));
    res.json().rows.forEach((r: { score: number }, i: number) => expect(r.score).toBeCloseTo(expected[i]!.score, 12));
    // …and is not the same as sending the value it had.
    const withPrice = await ranker.score([rows[3]!]);
    expect(res.json().rows[3].score).not.toBe(withPrice[0]!.score);
  });

  it('GET /healthz, /readyz, /metrics', async () => {
    expect((await server.app.inject({ url: '/healthz' })).json()).toEqual({ ok: true });
    const ready = await server.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().model.hash).toBe(ranker.info.hash);
    const before = await metricValue('mtrank_oov_total{feature="item_id"}');
    const candidates = [
      { item_id: 'never-seen-1' },
      { item_id: 'never-seen-2' },
      { item_id: rows[0]!.item_id },
      { item_id: null },
    ];
    expect((await post('/v1/rank', { context: split(rows[0]!).context, candidates })).statusCode).toBe(200);
    expect(await metricValue('mtrank_oov_total{feature="item_id"}')).toBe(before + 2);
    const text = (await server.app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/mtrank_requests_total\{route="\/v1\/rank",status="200"\} \d+/);
    expect(text).toMatch(/mtrank_request_duration_seconds_bucket\{le="0.005",route="\/v1\/rank"\}/);
    expect(text).toMatch(/mtrank_candidates_per_request_count \d+/);
    expect(text).toContain(`mtrank_model_info{version="${ranker.info.version}",hash="${ranker.info.hash}"} 1`);
  });
});

async function metricValue(series: string): Promise<number> {
  const text = (await server.app.inject({ url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('mtrank serve: bad requests are 4xx with a JSON error naming the field', () => {
  const cases: [string, () => unknown, number, RegExp][] = [
    [
      'wrong type',
      () => ({ candidates: rows.slice(0, 5).map((r, i) => (i === 3 ? { ...r, price: 'abc' } : r)) }),
      400,
      /^candidates\[3\]\.price: must be a number or null \(candidate 3\)$/,
    ],
    [
      'missing required id',
      () => ({ candidates: rows.slice(0, 5).map((r, i) => (i === 2 ? { ...r, item_id: undefined } : r)) }),
      400,
      /candidates\[2\]\.item_id: required field missing \(candidate 2\)/,
    ],
    ['no candidates', () => ({ context: {} }), 400, /candidates: required field missing/],
    ['too many candidates', () => ({ candidates: rows.slice(0, 51) }), 400, /candidates: at most 50 per request/],
    [
      'finite number that overflows its transform',
      () => ({ candidates: rows.slice(0, 3).map((r, i) => (i === 1 ? { ...r, item_ctr: 1e300 } : r)) }),
      400,
      /candidates\[1\]\.item_ctr: 1e\+300 is out of range/,
    ],
    ['bad topK', () => ({ candidates: rows.slice(0, 2), topK: 0 }), 400, /topK: must be >= 1/],
    [
      'context not an object',
      () => ({ context: [1], candidates: rows.slice(0, 2) }),
      400,
      /context: must be an object$/,
    ],
    [
      'an id of the wrong type, in words',
      () => ({ candidates: rows.slice(0, 2).map((r, i) => (i === 1 ? { ...r, item_id: true } : r)) }),
      400,
      /^candidates\[1\]\.item_id: must be a string or a number or null \(candidate 1\)$/,
    ],
  ];
  for (const [name, body, status, message] of cases)
    it(name, async () => {
      const res = await post('/v1/rank', body());
      expect(res.statusCode).toBe(status);
      expect(res.json().error).toMatch(message);
    });

  it('NaN / Infinity (not JSON), broken JSON, oversize body, unknown route', async () => {
    for (const payload of [
      '{"candidates":[{"item_id":"1","price":NaN}]}',
      '{"rows":[{"price":Infinity}]}',
      '{"candi',
    ]) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/v1/rank',
        payload,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(typeof res.json().error).toBe('string');
    }
    const big = await post('/v1/rank', {
      candidates: Array.from({ length: 40 }, () => ({ item_id: 'x'.repeat(2000) })),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatch(/too large/i);
    const none = await server.app.inject({ url: '/v2/nothing' });
    expect(none.statusCode).toBe(404);
    expect(none.json().error).toMatch(/no route GET \/v2\/nothing/);
    const score = await post('/v1/score', { rows: [{ ...rows[0], user_age: true }] });
    expect(score.statusCode).toBe(400);
    expect(score.json().error).toMatch(/rows\[0\]\.user_age: .* \(row 0\)/);
  });

  it('/admin/reload does not exist without a token', async () => {
    const res = await post('/admin/reload', {});
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe(
      'no route POST /admin/reload (disabled: start mtrank serve with --admin-token TOKEN or MTRANK_ADMIN_TOKEN, or send SIGHUP)',
    );
    expect((await post('/v1/nope', {})).json().error).toBe('no route POST /v1/nope');
  });
});

describe('mtrank serve: feature tables', () => {
  it('fills candidate fields from a table by item_id; request fields override the table', async () => {
    const items = new Map<string, Record<string, unknown>>();
    for (const r of rows) items.set(String(r.item_id), split(r).item);
    const head = Object.keys(split(rows[0]!).item);
    const file = join(fx.root, 'items.csv');
    writeFileSync(
      file,
      [head.join(','), ...[...items.values()].map((r) => head.map((h) => r[h] ?? '').join(','))].join('\n') + '\n',
    );
    const s = await createServer({ dir: fx.dir, featureTables: [{ path: file, key: 'item_id' }] });
    try {
      const context = split(rows[0]!).context;
      const ids = [...items.keys()].slice(0, 12);
      const candidates: Record<string, unknown>[] = ids.map((id) => ({ item_id: id }));
      candidates[4] = { item_id: ids[4], price: 999 };
      const res = await s.app.inject({ method: 'POST', url: '/v1/rank', payload: { context, candidates } });
      expect(res.statusCode).toBe(200);
      const full = candidates.map((c) => ({ ...items.get(String(c.item_id)), ...c }));
      const expected = await ranker.rank({ context, candidates: full });
      expect(res.json().items.map((i: { index: number }) => i.index)).toEqual(expected.map((e) => e.index));
      res
        .json()
        .items.forEach((it: { score: number }, j: number) => expect(it.score).toBeCloseTo(expected[j]!.score, 12));
    } finally {
      await s.drain();
    }
  });
});
