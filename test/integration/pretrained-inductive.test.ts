// Truly new items at predict time: a run whose item vectors came from a GraphSAGE model (`pretrained.graphsage`)
// scores an item in neither its vocabulary nor its vector file, with `mtrank predict --interactions LOG`, from an
// inductive vector of the users it interacted with. Checked against the saved model with that vector written
// (by hand, from embedNewNode and the rescale factor computed here) into the frozen table's OOV row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { buildBipartiteGraph, nodeOf } from '../../src/pretrain/graph.js';
import { embedAll, embedNewNode, trainGraphSage, type GraphSageModel } from '../../src/pretrain/graphsage.js';
import { saveGraphSage } from '../../src/pretrain/graphsage-io.js';
import { writeVectors, type WordVectors } from '../../src/features/word2vec-io.js';
import { runTraining } from '../../src/training/run.js';
import { loadSavedRun } from '../../src/training/saved-run.js';
import { predictSplit } from '../../src/training/evaluation.js';
import { encodeRecords, predictFile } from '../../src/app/predict.js';
import { inductiveItemFeature } from '../../src/training/inductive-items.js';
import { exportRun } from '../../src/export/export.js';
import { exportRunWithInductive } from '../../src/export/inductive-export.js';
import { loadRanker } from '../../src/serve/ranker.js';
import { countNewItems } from '../../src/serve/oov.js';
import { createServer } from '../../src/serve/server.js';
import { column, fixtureConfig, writeFixture, type Fixture } from './pretrained-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-inductive-'));
let fx: Fixture;
let sage: GraphSageModel;
let vectors: WordVectors;
const RESCALE = 0.5;

/** GraphSAGE on the training log only: items p*, x* (valid/test only) are then new to the run and to the file. */
function pretrain(seed: number, dir: string) {
  const log = { users: column(fx.files.train, 'user_id'), items: column(fx.files.train, 'item_id') };
  const graph = buildBipartiteGraph(log);
  const model = trainGraphSage(graph, { dim: 4, layers: 2, fanout: [5, 3], epochs: 2, batchSize: 64, seed }).model;
  const U = graph.users.length;
  const v: WordVectors = { tokens: graph.items, dim: 4, data: embedAll(model).slice(U * 4) };
  const paths = { model: join(dir, `sage-${seed}.json`), vectors: join(dir, `sage-${seed}.vec`) };
  saveGraphSage(paths.model, model);
  writeVectors(paths.vectors, v);
  return { model, vectors: v, paths };
}

let runDir = '';
beforeAll(async () => {
  fx = writeFixture(root);
  const p = pretrain(1, root);
  sage = p.model;
  vectors = p.vectors;
  const config = fixtureConfig(fx, null);
  Object.assign(config.features.item_id, {
    idDropout: 0.2,
    pretrained: {
      path: p.paths.vectors,
      mode: 'concat',
      rescale: RESCALE,
      extendVocab: true,
      graphsage: { model: p.paths.model, user: 'user_id' },
    },
  });
  writeFileSync(join(root, 'inductive.json'), JSON.stringify(config));
  runDir = join(root, 'run');
  await runTraining({ config: join(root, 'inductive.json'), out: runDir, quiet: 'silent' });
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const readCsv = (path: string) => {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, k) => [cols[k]!, v])));
};

/** Rows as a CSV input file under root. */
function writeInput(name: string, rows: { user_id: string; item_id: string; price: number }[]): string {
  const path = join(root, name);
  writeFileSync(path, ['user_id,item_id,price', ...rows.map((r) => `${r.user_id},${r.item_id},${r.price}`)].join('\n'));
  return path;
}

describe('mtrank predict --interactions: inductive GraphSAGE vectors for new items', () => {
  it('scores a new item from the users it interacted with, as the model with that vector in place computes', async () => {
    expect(inductiveItemFeature(runDir)).toBe('item_id');
    const rows = [
      { user_id: 'u1', item_id: 'x0', price: 3 },
      { user_id: 'u2', item_id: 'x0', price: 7 },
      { user_id: 'u3', item_id: 'p1', price: 5 },
      { user_id: 'u4', item_id: 'never-seen', price: 5 },
      { user_id: 'u5', item_id: 't3', price: 5 },
    ];
    const input = writeInput('input.csv', rows);
    const out = join(root, 'scores.csv'),
      plainOut = join(root, 'plain.csv');
    const r = await predictFile(runDir, input, out, { interactions: fx.files.test, say: () => {} });
    await predictFile(runDir, input, plainOut, { say: () => {} });
    // x0 and p1 occur in the test log with known users; 'never-seen' does not.
    expect(r.sources.find((s) => s.feature === 'item_id')).toMatchObject({ trained: 1, inductive: 3, oov: 1 });
    const got = readCsv(out).map((x) => Number(x.p_click));
    const plain = readCsv(plainOut).map((x) => Number(x.p_click));
    expect(got[3]).toBeCloseTo(plain[3]!, 6); // unknown and without interactions: the OOV row, as before
    expect(got[4]).toBeCloseTo(plain[4]!, 6); // a trained item: unchanged

    // Independent: the inductive vector from the users of x0 in the log, times RESCALE / the file's RMS coordinate,
    // written into the frozen table's OOV row of the saved model; the learned half stays the learned OOV row.
    const rms = Math.sqrt(vectors.data.reduce((a, x) => a + x * x, 0) / vectors.data.length);
    const log = { users: column(fx.files.test, 'user_id'), items: column(fx.files.test, 'item_id') };
    const expectFor = (item: string, k: number) => {
      const nodes = log.users
        .filter((_, i) => log.items[i] === item)
        .map((u) => nodeOf(sage.graph, 'user', u))
        .filter((v): v is number => v !== undefined);
      const v = embedNewNode(sage, nodes).map((x) => (x * RESCALE) / rms);
      const run = loadSavedRun(runDir);
      run.model.store
        .tables()
        .find((t) => t.name === 'emb.item_id.pretrained')!
        .data.set(v, 0);
      const enc = encodeRecords(run, [rows[k]!]);
      expect(enc.categorical.find((c) => c.name === 'item_id')!.ids[0]).toBe(0);
      return predictSplit(run.model, enc)[0]![0]!;
    };
    expect(got[0]).toBeCloseTo(expectFor('x0', 0), 5);
    expect(got[1]).toBeCloseTo(expectFor('x0', 1), 5);
    expect(got[2]).toBeCloseTo(expectFor('p1', 2), 5);
    expect(Math.abs(got[0]! - plain[0]!)).toBeGreaterThan(1e-5); // the inductive vector changed the score
  }, 30_000);

  it('export --interactions, the ranker (both backends, reload included) and onnxruntime score new items as predict', async () => {
    // x0, p1 and x1 are new items of the test log; never-seen is not in it; t3 is a trained item.
    const rows = [
      { user_id: 'u1', item_id: 'x0', price: 3 },
      { user_id: 'u3', item_id: 'p1', price: 5 },
      { user_id: 'u2', item_id: 'x1', price: 8 },
      { user_id: 'u4', item_id: 'never-seen', price: 5 },
      { user_id: 'u5', item_id: 't3', price: 5 },
    ];
    const input = writeInput('serve-input.csv', rows);
    const out = join(root, 'serve-scores.csv');
    await predictFile(runDir, input, out, { interactions: fx.files.test, say: () => {} });
    const predicted = readCsv(out).map((x) => Number(x.p_click));
    const expectSame = (got: { tasks: Record<string, number>; score: number }[]) =>
      got.forEach((g, i) => {
        expect(Math.abs(g.tasks.click! - predicted[i]!)).toBeLessThan(1e-5);
        expect(Math.abs(g.score - predicted[i]!)).toBeLessThan(1e-5); // no fusion: score is p_click
      });

    // Independent count: distinct test-log items outside the run's vocabulary with a user the graph knows.
    const vocab = new Set((loadSavedRun(runDir).preprocessor.feature('item_id') as { vocab: string[] }).vocab);
    const users = column(fx.files.test, 'user_id');
    const newItems = new Set(
      column(fx.files.test, 'item_id').filter(
        (it, k) => !vocab.has(it) && nodeOf(sage.graph, 'user', users[k]!) !== undefined,
      ),
    );
    expect(newItems.size).toBeGreaterThan(2);

    const dir = join(root, 'export-inductive');
    const { manifest } = await exportRunWithInductive(runDir, dir, fx.files.test);
    const sha256 = createHash('sha256').update(readFileSync(fx.files.test)).digest('hex');
    expect(manifest.inductive).toEqual({
      feature: 'item_id',
      items: newItems.size,
      log: resolve(fx.files.test),
      sha256,
    });
    for (const backend of ['engine', 'onnxruntime'] as const) {
      const r = await loadRanker(dir, { backend });
      expectSame(await r.score(rows));
      const enc = r.encode(rows);
      expect(Object.fromEntries(countNewItems(r.preprocessor, rows, enc))).toEqual({ inductive: 3, oov: 1 });
      r.close();
    }
    // The folder is a run directory too: predict without --interactions reads the appended rows.
    await predictFile(dir, input, join(root, 'from-export.csv'), { say: () => {} });
    expect(readCsv(join(root, 'from-export.csv')).map((x) => Number(x.p_click))).toEqual(predicted);

    // loadRanker with interactions: on the run (engine), and on a plain export (onnxruntime rebuilds the graph).
    const plain = join(root, 'export-plain');
    exportRun(runDir, plain);
    for (const [path, backend] of [
      [runDir, 'engine'],
      [plain, 'onnxruntime'],
      [plain, 'engine'],
    ] as const) {
      const r = await loadRanker(path, { backend, interactions: fx.files.test });
      expect(r.info.inductive).toMatchObject({ items: newItems.size, added: newItems.size, sha256 });
      expectSame(await r.score(rows));
      r.close();
    }
    // The export already holds the log's items: nothing is added, the model identity stays the folder's.
    const again = await loadRanker(dir, { backend: 'onnxruntime', interactions: fx.files.test });
    expect(again.info.inductive).toMatchObject({ items: newItems.size, added: 0 });
    expect(again.info.hash).toBe(manifest.hash);
    expectSame(await again.score(rows));
    again.close();
    const r = await loadRanker(plain, { backend: 'onnxruntime' });
    expect(Math.abs((await r.score(rows))[0]!.score - predicted[0]!)).toBeGreaterThan(1e-5); // the OOV row
    r.close();

    // The server: counts by vector, and a reload reads the log again.
    const server = await createServer({ dir: plain, backend: 'onnxruntime', interactions: fx.files.test });
    const res = await server.app.inject({ method: 'POST', url: '/v1/score', payload: { rows } });
    expect(res.statusCode).toBe(200);
    expectSame(res.json().rows);
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/mtrank_new_item_candidates_total\{vector="inductive"\} 3/);
    expect(metrics).toMatch(/mtrank_new_item_candidates_total\{vector="oov"\} 1/);
    const reloaded = await server.reload();
    expect(reloaded.ranker.info.inductive?.items).toBe(newItems.size);
    expectSame(await reloaded.ranker.score(rows));
    await server.drain();
  }, 60_000);

  it('refuses a GraphSAGE model that did not write the run vectors, and a run without one', async () => {
    const input = join(root, 'one.csv');
    writeFileSync(input, 'user_id,item_id,price\nu1,x0,3\n');
    const other = pretrain(2, root);
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    config.features.item_id.pretrained.graphsage.model = other.paths.model;
    writeFileSync(join(runDir, 'config.json'), JSON.stringify(config));
    // run.json checksums config.json: without it the edited config loads (as a run made before run.json).
    rmSync(join(runDir, 'run.json'), { force: true });
    await expect(
      predictFile(runDir, input, join(root, 'x.csv'), { interactions: fx.files.test, say: () => {} }),
    ).rejects.toThrow(/sage-2\.json: this GraphSAGE model did not write the vectors of features\.item_id/);

    const plainRun = join(root, 'plain-run');
    writeFileSync(join(root, 'plain.json'), JSON.stringify(fixtureConfig(fx, null, { epochs: 1 })));
    await runTraining({ config: join(root, 'plain.json'), out: plainRun, quiet: 'silent' });
    await expect(
      predictFile(plainRun, input, join(root, 'y.csv'), { interactions: fx.files.test, say: () => {} }),
    ).rejects.toThrow(/--interactions: the run's item feature has no pretrained\.graphsage model/);
  }, 30_000);
});
