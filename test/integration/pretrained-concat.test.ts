// Pretrained `mode: concat`, `rescale` and `idDropout` end to end on the fixture log: the side table stays the
// (rescaled) file vectors, IDs known only to the file read [learned OOV row | their pretrained vector] in the
// saved model, the exported ONNX graph computes what the engine computes, and ID dropout trains the OOV row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FittedCategorical } from '../../src/features/preprocessor.js';
import { runTraining } from '../../src/training/run.js';
import { loadSavedRun, type SavedRun } from '../../src/training/saved-run.js';
import { predictSplit } from '../../src/training/evaluation.js';
import { encodeRecords } from '../../src/app/predict.js';
import { exportRun } from '../../src/export/export.js';
import { encodedFeeds } from '../../src/export/feeds.js';
import type { Manifest } from '../../src/export/manifest.js';
import { Graph } from '../../src/engine/graph.js';
import { Rng } from '../../src/util/rng.js';
import { parseConfig } from '../../src/config/index.js';
import { maxAbsDiff, runOnnx } from '../export/helpers.js';
import { column, DIM, fixtureConfig, writeFixture, type Fixture } from './pretrained-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-pretrained-concat-'));
let fx: Fixture;
beforeAll(() => {
  fx = writeFixture(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function trainRun(name: string, pretrained: Record<string, unknown> | null, idDropout?: number) {
  const config = fixtureConfig(fx, pretrained);
  if (idDropout !== undefined) Object.assign(config.features.item_id, { idDropout });
  const path = join(root, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  const out = join(root, name);
  await runTraining({ config: path, out, quiet: 'silent' });
  return loadSavedRun(out);
}

const table = (run: SavedRun, name: string) => run.model.store.tables().find((t) => t.name === name)!;
const rowOf = (data: Float32Array, r: number) => Array.from(data.subarray(r * DIM, (r + 1) * DIM));
const fileVector = (token: string) => {
  const k = fx.vectorData.tokens.indexOf(token);
  return Array.from(fx.vectorData.data.subarray(k * DIM, (k + 1) * DIM));
};

describe('pretrained mode: concat', () => {
  let run: SavedRun;
  beforeAll(async () => {
    run = await trainRun('concat', { mode: 'concat', extendVocab: true, rescale: 0.5 });
  }, 30_000);

  it('keeps the rescaled file vectors frozen beside a learned table; appended IDs read the learned OOV row', () => {
    const f = run.preprocessor.feature('item_id') as FittedCategorical;
    const side = table(run, 'emb.item_id.pretrained').data,
      own = table(run, 'emb.item_id').data;
    // The factor, computed here from the file: 0.5 / root-mean-square coordinate.
    const rms = Math.sqrt(fx.vectorData.data.reduce((a, x) => a + x * x, 0) / fx.vectorData.data.length);
    for (const t of fx.vectorData.tokens) {
      const r = f.vocab!.indexOf(t) + 1;
      rowOf(side, r).forEach((x, c) => expect(x).toBeCloseTo((fileVector(t)[c]! * 0.5) / rms, 5));
    }
    let sq = 0;
    for (const t of fx.vectorData.tokens) for (const x of rowOf(side, f.vocab!.indexOf(t) + 1)) sq += x * x;
    expect(Math.sqrt(sq / (fx.vectorData.tokens.length * DIM))).toBeCloseTo(0.5, 5);
    // Learned table: every row appended from the file equals the trained OOV row 0.
    const trainedRows = f.pretrained!.trainedVocab + 1;
    expect(f.vocab!.length + 1).toBeGreaterThan(trainedRows);
    for (let r = trainedRows; r <= f.vocab!.length; r++) expect(rowOf(own, r)).toEqual(rowOf(own, 0));
    // ...and it learned: training items' rows left the N(0, 0.01²) initialisation.
    const trainItems = [...new Set(column(fx.files.train, 'item_id'))];
    const moved = trainItems.filter((t) => Math.max(...rowOf(own, f.vocab!.indexOf(t) + 1).map(Math.abs)) > 0.05);
    expect(moved.length).toBeGreaterThan(trainItems.length / 2);
  });

  it('pretrained-only items score from their own vector; unknown ones share the OOV rows', () => {
    const rows = ['p0', 'p3', 'x0', 'x1'].map((item_id) => ({ user_id: 'u1', item_id, price: 3 }));
    const [p] = predictSplit(run.model, encodeRecords(run, rows));
    expect(p![2]).toBe(p![3]); // both read [learned OOV | mean vector]
    expect(Math.abs(p![0]! - p![1]!)).toBeGreaterThan(1e-4); // different pretrained vectors, same learned OOV row
  });

  it('exports: onnxruntime on the exported graph gives the engine scores', async () => {
    const out = join(root, 'concat-export');
    exportRun(run.dir, out);
    const items = ['p2', 'x0', 't4', 't27', 'p5'];
    const enc = encodeRecords(
      run,
      items.map((item_id, k) => ({ user_id: `u${k}`, item_id, price: 2 + k })),
    );
    const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as Manifest;
    const got = await runOnnx(join(out, 'model.onnx'), encodedFeeds(manifest.onnx.inputs, enc));
    expect(maxAbsDiff(got.p_click!, predictSplit(run.model, enc)[0]!)).toBeLessThan(1e-6);
  }, 30_000);
});

describe('idDropout', () => {
  it('Graph.dropIds replaces ids by 0 at the given rate in training and is the identity in inference', () => {
    const ids = Int32Array.from({ length: 20_000 }, (_, i) => 1 + (i % 97));
    const dropped = new Graph({ training: true, rng: new Rng(3) }).dropIds(ids, 0.3);
    let zeros = 0;
    dropped.forEach((v, i) => {
      if (v === 0) zeros++;
      else expect(v).toBe(ids[i]);
    });
    // Binomial(20000, 0.3): sd ≈ 65 rows; 5 sd either side.
    expect(Math.abs(zeros - 6000)).toBeLessThan(325);
    expect(new Graph({ training: false }).dropIds(ids, 0.3)).toBe(ids);
  });

  it('trains the OOV row, which no training row reaches otherwise', async () => {
    const plain = await trainRun('plain', null);
    const dropped = await trainRun('dropped', null, 0.3);
    // Same seed, same initialisation: row 0 moves only with ID dropout.
    const init = table(plain, 'emb.item_id').data;
    expect(rowOf(init, 0)).not.toEqual(rowOf(table(dropped, 'emb.item_id').data, 0));
    // Without dropout the OOV row keeps its initial N(0, 0.01²) draw: every coordinate small.
    expect(Math.max(...rowOf(init, 0).map(Math.abs))).toBeLessThan(0.05);
  }, 30_000);

  it('a hashed feature cannot take idDropout (one-line config error)', () => {
    const c = fixtureConfig(fx, null);
    Object.assign(c.features.item_id, { hashBuckets: 64, idDropout: 0.1 });
    expect(() => parseConfig(c, [])).toThrow(/features\.item_id\.idDropout.*out-of-vocabulary/);
  });
});
