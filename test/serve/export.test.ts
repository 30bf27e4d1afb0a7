// Serving an export folder (mtrank export): the engine and onnxruntime backends agree, the manifest hash is the
// model's identity, and a tampered folder is refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { exportRun } from '../../src/export/export.js';
import { readArtifact } from '../../src/export/manifest.js';
import { CHOICE_BATCHES, CHOICE_MARGIN } from '../../src/serve/backend-choice.js';
import { loadRanker } from '../../src/serve/ranker.js';
import { createServer } from '../../src/serve/server.js';
import { csvRows, trainFixtureRun, type FixtureRun } from './fixture.js';

let fx: FixtureRun;
let out: string;
beforeAll(async () => {
  fx = await trainFixtureRun({ seed: 6 });
  out = join(fx.root, 'export');
  exportRun(fx.dir, out);
}, 60_000);

describe('serving an export folder', () => {
  it('engine and onnxruntime backends give the same scores (1e-5) and the same model identity', async () => {
    const engine = await loadRanker(out, { backend: 'engine' });
    const ort = await loadRanker(out, { backend: 'onnxruntime' });
    expect(ort.backendName).toBe('onnxruntime');
    expect(engine.info.hash).toBe(readArtifact(out).hash);
    expect(ort.info).toEqual(engine.info);
    const rows = csvRows(fx.csv, 500);
    rows[7]!.item_id = 'unknown-item';
    rows[8]!.tags = 'zz|t1|nope|t2|t3|t4';
    rows[9]!.tags = '';
    const a = await engine.score(rows),
      b = await ort.score(rows);
    let worst = 0;
    a.forEach((r, i) => {
      worst = Math.max(worst, Math.abs(r.score - b[i]!.score));
      for (const t of engine.tasks) worst = Math.max(worst, Math.abs(r.tasks[t]! - b[i]!.tasks[t]!));
    });
    expect(worst).toBeLessThan(1e-5);
    const ranked = await ort.rank({ candidates: rows.slice(0, 100), topK: 20 });
    const expected = (await ort.score(rows.slice(0, 100)))
      .map((s, index) => ({ index, score: s.score }))
      .sort((x, y) => y.score - x.score || x.index - y.index)
      .slice(0, 20);
    expect(ranked.map((r) => r.index)).toEqual(expected.map((e) => e.index));
    engine.close();
    ort.close();
  });

  it("'auto' (the default) times both backends on an export and keeps the faster; a run directory runs the engine", async () => {
    const auto = await loadRanker(out);
    const c = auto.backendChoice!;
    expect(c.timings.map((t) => t.rows)).toEqual([...CHOICE_BATCHES]);
    const perRow = (k: 'engineMs' | 'onnxruntimeMs') => c.timings.reduce((s, t) => s + t[k] / t.rows, 0);
    expect(c.chosen).toBe(perRow('onnxruntimeMs') < CHOICE_MARGIN * perRow('engineMs') ? 'onnxruntime' : 'engine');
    expect(auto.backendName).toBe(c.chosen);
    // Whichever won scores like the engine.
    const engine = await loadRanker(out, { backend: 'engine' });
    const rows = csvRows(fx.csv, 50);
    const [a, b] = [await auto.score(rows), await engine.score(rows)];
    a.forEach((r, i) => expect(Math.abs(r.score - b[i]!.score)).toBeLessThan(1e-5));
    const run = await loadRanker(fx.dir);
    expect(run.backendName).toBe('engine');
    expect(run.backendChoice).toBeUndefined();
    for (const r of [auto, engine, run]) r.close();
  });

  it('the server answers from the export on either backend', async () => {
    const s = await createServer({ dir: out, backend: 'onnxruntime' });
    const candidates = csvRows(fx.csv, 30).map((r) => ({ item_id: r.item_id, tags: r.tags }));
    const res = await s.app.inject({
      method: 'POST',
      url: '/v1/rank',
      payload: { context: { user_id: '1' }, candidates },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().model.hash).toBe(readArtifact(out).hash);
    const engine = await loadRanker(out);
    const want = await engine.rank({ context: { user_id: '1' }, candidates });
    res.json().items.forEach((it: { score: number }, j: number) => expect(it.score).toBeCloseTo(want[j]!.score, 5));
    engine.close();
    await s.drain();
  });

  it('a tampered export is refused, naming the file', async () => {
    const bad = join(fx.root, 'tampered');
    cpSync(out, bad, { recursive: true });
    appendFileSync(join(bad, 'preprocess.json'), ' ');
    await expect(loadRanker(bad)).rejects.toThrow(/preprocess\.json does not match its SHA-256/);
  });
});
