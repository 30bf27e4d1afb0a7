import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { predictFile } from '../../src/app/predict.js';
import { loadRanker, type Ranker } from '../../src/serve/ranker.js';
import { scoreRecords } from '../../src/app/predict.js';
import { runCalibrateCommand } from '../../src/fusion/calibrate-run.js';
import { exportRun } from '../../src/export/export.js';
import { loadSavedRun } from '../../src/training/saved-run.js';
import { csvRows, FUSION, trainFixtureRun, type FixtureRun } from './fixture.js';

let fx: FixtureRun;
let ranker: Ranker;
beforeAll(async () => {
  fx = await trainFixtureRun();
  ranker = await loadRanker(fx.dir);
}, 60_000);

describe('loadRanker(dir).score / rank', () => {
  it("scores raw rows exactly as 'mtrank predict' does, and fuses with fusion.json's weights", async () => {
    const rows = csvRows(fx.csv, 300);
    const input = join(fx.root, 'some.csv');
    const head = Object.keys(rows[0]!);
    writeFileSync(input, [head.join(','), ...rows.map((r) => head.map((h) => r[h]).join(','))].join('\n') + '\n');
    await predictFile(fx.dir, input, join(fx.root, 'scores.csv'));
    const lines = readFileSync(join(fx.root, 'scores.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('p_click,p_cart,p_order,score');
    const got = await ranker.score(rows);
    expect(got).toHaveLength(300);
    lines.slice(1).forEach((l, i) => {
      const [click, cart, order, score] = l.split(',').map(Number);
      const g = got[i]!;
      expect(g.tasks.click).toBeCloseTo(click!, 6);
      expect(g.tasks.cart).toBeCloseTo(cart!, 6);
      expect(g.tasks.order).toBeCloseTo(order!, 6);
      expect(g.score).toBeCloseTo(score!, 6);
      const w = FUSION.weights;
      expect(g.score).toBeCloseTo(w.click * g.tasks.click! + w.cart * g.tasks.cart! + w.order * g.tasks.order!, 12);
    });
    expect(ranker.info.scoreSource).toBe('fusion');
    expect(ranker.info.fusion).toEqual(FUSION);
    expect(ranker.info.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rank merges the context under each candidate, and its order is the score order', async () => {
    const rows = csvRows(fx.csv, 120);
    const context = { user_id: rows[0]!.user_id, hour: rows[0]!.hour, device: rows[0]!.device, price: '123' };
    const candidates = rows.map(({ user_id: _u, hour: _h, device: _d, ...item }) => item);
    candidates[5]!.price = ''; // missing in the candidate wins over the context: the training default
    const ranked = await ranker.rank({ context, candidates });
    const flat = await ranker.score(candidates.map((c) => ({ ...context, ...c })));
    const expected = flat
      .map((s, index) => ({ index, score: s.score }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .map((s) => s.index);
    expect(ranked.map((r) => r.index)).toEqual(expected);
    for (const r of ranked) {
      expect(r.score).toBe(flat[r.index]!.score);
      expect(r.tasks).toEqual(flat[r.index]!.tasks);
      expect(r.id).toBe(candidates[r.index]!.item_id);
    }
    const top = await ranker.rank({ context, candidates, topK: 7 });
    expect(top).toEqual(ranked.slice(0, 7));
    // The context really is used: another user changes the scores.
    const other = await ranker.rank({ context: { ...context, user_id: 'nobody' }, candidates });
    expect(other.map((r) => r.score)).not.toEqual(ranked.map((r) => r.score));
  });

  it('without fusion.json, ranks by the first task and says so', async () => {
    rmSync(join(fx.dir, 'fusion.json'));
    const plain = await loadRanker(fx.dir);
    writeFileSync(join(fx.dir, 'fusion.json'), JSON.stringify(FUSION));
    expect(plain.info.scoreSource).toBe('task:click');
    expect(plain.info.fusion).toBeNull();
    const rows = csvRows(fx.csv, 20);
    for (const s of await plain.score(rows)) expect(s.score).toBe(s.tasks.click);
    expect(plain.info.hash).not.toBe(ranker.info.hash);
    plain.close();
    await expect(plain.score(rows)).rejects.toThrow(/closed/);
  });

  it('refuses a missing or corrupted artifact with one clear message', async () => {
    await expect(loadRanker(join(fx.root, 'nope'))).rejects.toThrow(/no such model directory/);
    await expect(loadRanker(fx.root)).rejects.toThrow(/not a run directory/);
    await expect(loadRanker(fx.dir, { backend: 'bogus' as never })).rejects.toThrow(/backend 'bogus'/);
    await expect(loadRanker(fx.dir, { backend: 'onnxruntime' })).rejects.toThrow(/needs an export folder/);
  });

  it('a calibrated run: predict outputs p/(p + w(1 − p)) per task, and the ranker (both backends) the same', async () => {
    const dir = join(fx.root, 'calibrated');
    cpSync(fx.dir, dir, { recursive: true });
    rmSync(join(dir, 'fusion.json'));
    const { file } = await runCalibrateCommand({ run: dir, method: 'analytic' });
    writeFileSync(join(dir, 'fusion.json'), JSON.stringify({ ...FUSION, probabilities: 'calibrated' }));
    const rows = csvRows(fx.csv, 50);
    const raw = scoreRecords(loadSavedRun(fx.dir), rows);
    const cal = scoreRecords(loadSavedRun(dir), rows);
    for (const t of ['click', 'cart', 'order']) {
      const w = file.tasks[t]!.labelWeight;
      if (t !== 'click') expect(w).toBeGreaterThan(1); // auto label weights: calibration changes something
      raw.tasks[t]!.forEach((p, i) => expect(cal.tasks[t]![i]).toBeCloseTo(p / (p + w * (1 - p)), 6));
    }
    const out = join(fx.root, 'calibrated-export');
    exportRun(dir, out);
    const w = FUSION.weights;
    for (const [backend, from] of [
      ['engine', dir],
      ['engine', out],
      ['onnxruntime', out],
    ] as const) {
      const r = await loadRanker(from, { backend });
      expect(r.info.calibrated).toBe(true);
      const got = await r.score(rows);
      got.forEach((g, i) => {
        for (const t of ['click', 'cart', 'order'] as const)
          expect(Math.abs(g.tasks[t]! - cal.tasks[t]![i]!), `${backend} ${from} ${t}`).toBeLessThan(1e-5);
        expect(Math.abs(g.score - cal.fused![i]!)).toBeLessThan(1e-5);
        expect(g.score).toBeCloseTo(w.click * g.tasks.click! + w.cart * g.tasks.cart! + w.order * g.tasks.order!, 5);
      });
      r.close();
    }
  });
});
