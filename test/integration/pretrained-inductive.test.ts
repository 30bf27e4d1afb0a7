// Truly new items at predict time: a run whose item vectors came from a GraphSAGE model (`pretrained.graphsage`)
// scores an item in neither its vocabulary nor its vector file, with `mtrank predict --interactions LOG`, from an
// inductive vector of the users it interacted with. Checked against the saved model with that vector written
// (by hand, from embedNewNode and the rescale factor computed here) into the frozen table's OOV row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBipartiteGraph, nodeOf } from '../../src/pretrain/graph.js';
import { embedAll, embedNewNode, trainGraphSage, type GraphSageModel } from '../../src/pretrain/graphsage.js';
import { saveGraphSage } from '../../src/pretrain/graphsage-io.js';
import { writeVectors, type WordVectors } from '../../src/features/word2vec-io.js';
import { runTraining } from '../../src/training/run.js';
import { loadSavedRun } from '../../src/training/saved-run.js';
import { predictSplit } from '../../src/training/evaluation.js';
import { encodeRecords, predictFile } from '../../src/app/predict.js';
import { inductiveItemFeature } from '../../src/app/inductive.js';
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
    const input = join(root, 'input.csv');
    writeFileSync(
      input,
      ['user_id,item_id,price', ...rows.map((r) => `${r.user_id},${r.item_id},${r.price}`)].join('\n'),
    );
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
