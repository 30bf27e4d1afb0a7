import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFunnel } from '../../src/data/index.js';
import { runTraining } from '../../src/training/run.js';
import { loadSavedRun, inputSpec } from '../../src/training/saved-run.js';
import { predictSplit } from '../../src/training/evaluation.js';
import { exportRun } from '../../src/export/export.js';
import { encodedFeeds } from '../../src/export/feeds.js';
import { verifyExport } from '../../src/export/verify.js';
import { contentHash, fileHashes, readArtifact, type Manifest } from '../../src/export/manifest.js';
import { MtrankError } from '../../src/util/errors.js';
import type { FittedCategorical } from '../../src/features/preprocessor.js';
import { encodeRecords } from '../../src/app/predict.js';
import { fixtureConfig, writeFixture } from '../integration/pretrained-fixture.js';
import { fusedScore } from '../../src/fusion/forms.js';
import { calibrate } from '../../src/fusion/calibration.js';
import { runCalibrateCommand } from '../../src/fusion/calibrate-run.js';
import { maxAbsDiff, randomRows, runOnnx } from './helpers.js';

const TYPES = ['shared-bottom', 'single-task', 'mmoe', 'ple', 'esmm'] as const;
const ROWS = 5000;
let root = '';
const runs: Record<string, string> = {};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mtrank-export-'));
  const funnel = await writeFunnel(join(root, 'data'), { rows: 3000, seed: 4, days: 4, clickRate: 0.2 });
  for (const type of TYPES) {
    runs[type] = join(root, type);
    await runTraining({
      config: funnel.config,
      out: runs[type],
      quiet: 'silent',
      set: [
        `model.type=${type}`,
        'tasks.order.labelWeight=auto', // a resolved 'auto' weight is what the checks below read
        'model.bottom=[8]',
        'model.tower=[4]',
        'model.experts=2',
        'model.expertHidden=[8]',
        'model.levels=2',
        'training.batchSize=256',
        'training.evalEvery=100',
        'training.threads=1',
        'data.cacheDir=' + join(root, 'cache'),
      ],
    });
  }
  writeFileSync(
    join(runs['shared-bottom']!, 'fusion.json'),
    JSON.stringify({ form: 'linear', weights: { click: 0.2, cart: 0.5, order: 1 } }),
  );
}, 120_000);

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Manifest;
}

/** onnxruntime on model.onnx vs the run's own engine on the same random rows (OOV ids, padded bags). */
async function compare(run: string, out: string) {
  const saved = loadSavedRun(run);
  const manifest = readManifest(out);
  const spec = inputSpec(saved.preprocessor);
  const rows = randomRows(
    spec,
    saved.preprocessor.multiFeatures.map((f) => f.maxLength),
    ROWS,
    9,
  );
  const got = await runOnnx(join(out, 'model.onnx'), encodedFeeds(manifest.onnx.inputs, rows));
  const expected = predictSplit(saved.model, rows);
  // The trained model's outputs vary with the rows, so equality is not a comparison of constants.
  expect(Math.max(...expected[0]!) - Math.min(...expected[0]!)).toBeGreaterThan(0.01);
  return { saved, manifest, got, expected, rows };
}

describe('mtrank export: model.onnx equals the engine (onnxruntime-node)', () => {
  for (const type of TYPES) {
    it(`${type}: p_<task> (and score) within 1e-5 on ${ROWS} rows`, async () => {
      const out = join(root, `export-${type}`);
      const fusion = type === 'shared-bottom' ? {} : { fusion: 'click=0.1,order=1' };
      exportRun(runs[type]!, out, fusion);
      const { saved, manifest, got, expected } = await compare(runs[type]!, out);
      saved.model.tasks.forEach((task, t) => {
        expect(maxAbsDiff(got[`p_${task}`]!, expected[t]!), task).toBeLessThan(1e-5);
      });
      const w = saved.model.tasks.map((t) => manifest.fusion!.weights[t]!);
      const score = Float64Array.from({ length: ROWS }, (_, i) =>
        fusedScore(
          'linear',
          w,
          expected.map((p) => p[i]!),
        ),
      );
      expect(maxAbsDiff(got.score!, score)).toBeLessThan(1e-5);
      expect(w).toEqual(type === 'shared-bottom' ? [0.2, 0.5, 1] : [0.1, 0, 1]);
      // The folder loads as a run, and that run predicts exactly what the original does.
      const reloaded = predictSplit(loadSavedRun(out).model, randomRows(inputSpec(saved.preprocessor), [4], 200, 3));
      const original = predictSplit(saved.model, randomRows(inputSpec(saved.preprocessor), [4], 200, 3));
      reloaded.forEach((p, t) => expect(Array.from(p)).toEqual(Array.from(original[t]!)));
    }, 30_000);
  }

  it('product fusion and a run without fusion load in onnxruntime; the score output follows the fusion', async () => {
    const product = join(root, 'export-product');
    exportRun(runs.mmoe!, product, { fusion: 'click=0.5,cart=0,order=2', fusionForm: 'product' });
    const p = await compare(runs.mmoe!, product);
    const score = Float64Array.from({ length: ROWS }, (_, i) =>
      fusedScore(
        'product',
        [0.5, 0, 2],
        p.expected.map((x) => x[i]!),
      ),
    );
    expect(maxAbsDiff(p.got.score!, score)).toBeLessThan(1e-5);
    expect(JSON.parse(readFileSync(join(product, 'fusion.json'), 'utf8'))).toMatchObject({
      form: 'product',
      weights: { click: 0.5, cart: 0, order: 2 },
    });

    const none = join(root, 'export-none');
    exportRun(runs.ple!, none);
    const n = await compare(runs.ple!, none);
    expect(Object.keys(n.got).sort()).toEqual(['p_cart', 'p_click', 'p_order']);
    expect(n.manifest.fusion).toBeNull();
    expect(existsSync(join(none, 'fusion.json'))).toBe(false);
  }, 30_000);
});

describe('mtrank export: calibrated runs (calibration.json applied in the graph)', () => {
  // Each method, fused on the calibrated or on the raw probabilities; the expected values come from
  // fusion/calibration.ts `calibrate` per element (what mtrank predict applies) and fusedScore per row.
  const cases = [
    { method: 'analytic', form: 'linear', probabilities: 'calibrated' },
    { method: 'platt', form: 'product', probabilities: 'calibrated' },
    { method: 'isotonic', form: 'linear', probabilities: 'raw' },
  ] as const;
  for (const c of cases) {
    it(`${c.method}, ${c.form} fusion on ${c.probabilities} probabilities: within 1e-5 on ${ROWS} rows`, async () => {
      const dir = join(root, `calibrated-${c.method}`);
      cpSync(runs['shared-bottom']!, dir, { recursive: true });
      const { file } = await runCalibrateCommand({ run: dir, method: c.method });
      const weights = { click: 0.3, cart: 0.5, order: 1 };
      writeFileSync(
        join(dir, 'fusion.json'),
        JSON.stringify({ form: c.form, weights, probabilities: c.probabilities }),
      );
      const out = join(root, `export-calibrated-${c.method}`);
      exportRun(dir, out);
      const { saved, manifest, got, expected } = await compare(dir, out);
      const tasks = saved.model.tasks;
      const cal = tasks.map((t, k) => Float64Array.from(expected[k]!, (p) => calibrate(file.tasks[t]!, p)));
      tasks.forEach((t, k) => {
        expect(manifest.tasks[k]!.calibration?.method).toBe(c.method);
        expect(maxAbsDiff(got[`p_${t}`]!, cal[k]!), t).toBeLessThan(1e-5);
      });
      // Calibration really changes the outputs (label weights > 1 on the rarer tasks).
      expect(maxAbsDiff(cal[2]!, expected[2]!)).toBeGreaterThan(1e-3);
      const fuseOn = c.probabilities === 'calibrated' ? cal : expected;
      const w = tasks.map((t) => weights[t as keyof typeof weights]);
      const score = Float64Array.from({ length: ROWS }, (_, i) =>
        fusedScore(
          c.form,
          w,
          fuseOn.map((p) => p[i]!),
        ),
      );
      expect(maxAbsDiff(got.score!, score)).toBeLessThan(1e-5);
      expect(existsSync(join(out, 'calibration.json'))).toBe(true);
      expect((await verifyExport(out)).rows).toBe(5000);
    }, 60_000);
  }

  it('an override of the weights keeps the probabilities the run fused on', () => {
    const dir = join(root, 'calibrated-analytic');
    const out = join(root, 'export-calibrated-override');
    exportRun(dir, out, { fusion: 'click=1' });
    expect(JSON.parse(readFileSync(join(out, 'fusion.json'), 'utf8'))).toMatchObject({ probabilities: 'calibrated' });
  });
});

describe('mtrank export: pretrained, extended-vocabulary tables', () => {
  it('an item table extended from a vector file (frozen) exports; appended rows and the OOV row match', async () => {
    const fx = writeFixture(join(root, 'pretrained'));
    const config = join(root, 'pretrained.json');
    writeFileSync(config, JSON.stringify(fixtureConfig(fx, { mode: 'freeze', extendVocab: true }, { epochs: 1 })));
    const run = join(root, 'pretrained-run');
    await runTraining({ config, out: run, quiet: 'silent' });
    const out = join(root, 'export-pretrained');
    exportRun(run, out);
    const { saved, got, expected } = await compare(run, out);
    expect(maxAbsDiff(got.p_click!, expected[0]!)).toBeLessThan(1e-5);
    // Raw rows through the run's encoder: an item only the vector file knows, an unknown one, a trained one.
    const f = saved.preprocessor.feature('item_id') as FittedCategorical;
    const rows = ['p2', 'x0', 't4'].map((item_id) => ({ user_id: 'u1', item_id, price: 3 }));
    const enc = encodeRecords(saved, rows);
    expect(enc.categorical.find((c) => c.name === 'item_id')!.ids[0]).toBeGreaterThan(f.pretrained!.trainedVocab);
    const raw = await runOnnx(join(out, 'model.onnx'), encodedFeeds(readManifest(out).onnx.inputs, enc));
    expect(maxAbsDiff(raw.p_click!, predictSplit(saved.model, enc)[0]!)).toBeLessThan(1e-6);
  }, 30_000);
});

describe('mtrank export: the folder and its manifest', () => {
  it('describes inputs, outputs, tasks, features and a content hash that matches the files', () => {
    const out = join(root, 'export-manifest');
    const { manifest } = exportRun(runs.esmm!, out, { fusion: 'order=1' });
    expect(readManifest(out)).toEqual(manifest);
    expect(manifest.hash).toBe(contentHash(fileHashes(out, ['model.json'])));
    expect(Object.keys(manifest.files).sort()).toEqual(
      [
        'config.json',
        'fusion.json',
        'metrics.json',
        'model.onnx',
        'preprocess.json',
        'run.json',
        'model/manifest.json',
        ...Object.keys(manifest.files).filter((f) => f.startsWith('model/') && f !== 'model/manifest.json'),
      ].sort(),
    );
    expect(manifest.modelType).toBe('esmm');
    expect(manifest.source.finished).toBe(true);
    expect(loadSavedRun(out).record?.finishedAt).toBeDefined(); // run.json came along, checksums verified on load
    expect(manifest.onnx.opset).toBeGreaterThanOrEqual(17);
    const byName = Object.fromEntries(manifest.onnx.inputs.map((i) => [i.name, i]));
    const tagsVocab = inputSpec(loadSavedRun(runs.esmm!).preprocessor).multi![0]!.vocabSize;
    expect(byName.tags).toEqual({
      name: 'tags',
      feature: 'tags',
      kind: 'multi',
      dtype: 'int64',
      shape: ['batch', 4],
      vocabSize: tagsVocab,
      padding: -1,
    });
    expect(byName.user_id).toMatchObject({ kind: 'categorical', dtype: 'int64', shape: ['batch'] });
    expect(byName.user_age).toMatchObject({ kind: 'categorical' }); // bucketized numeric: one id per row
    expect(byName.dense).toMatchObject({ kind: 'dense', dtype: 'float32', shape: ['batch', 5] });
    expect(byName.dense!.denseNames).toEqual(['position', 'price', 'user_activity', 'item_impressions', 'item_ctr']);
    expect(manifest.onnx.outputs).toEqual([
      { name: 'p_click', task: 'click' },
      { name: 'p_cart', task: 'cart' },
      { name: 'p_order', task: 'order' },
      { name: 'score' },
    ]);
    const log = readFileSync(join(runs.esmm!, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .map((l) => (l ? JSON.parse(l) : {}));
    const lw = log.find((r) => r.type === 'labelWeights').weights;
    expect(manifest.tasks).toEqual([
      { name: 'click', output: 'p_click', labelWeight: lw.click, calibration: null },
      { name: 'cart', output: 'p_cart', dependsOn: 'click', labelWeight: lw.cart, calibration: null },
      { name: 'order', output: 'p_order', dependsOn: 'cart', labelWeight: lw.order, calibration: null },
    ]);
    expect(lw.order).toBeGreaterThan(1); // 'auto' resolved to a number
    const metrics = JSON.parse(readFileSync(join(runs.esmm!, 'metrics.json'), 'utf8'));
    expect(manifest.metrics).toEqual(metrics.test);
    const scope = Object.fromEntries(manifest.features.map((f) => [f.name, f.scope]));
    expect(scope.user_id).toBe('context'); // the group feature
    expect(scope.item_id).toBe('candidate');
    expect(manifest.fusion).toEqual({ form: 'linear', weights: { click: 0, cart: 0, order: 1 } });
  });

  it('verifyExport (--verify) agrees, and reports every output', async () => {
    const out = join(root, 'export-verify');
    exportRun(runs.ple!, out, { fusion: 'click=1,cart=1' });
    const v = await verifyExport(out, 5000);
    expect(Object.keys(v.maxAbsDiff).sort()).toEqual(['p_cart', 'p_click', 'p_order', 'score']);
    for (const d of Object.values(v.maxAbsDiff)) expect(d).toBeLessThan(1e-5);
  });

  it('readArtifact checks every listed file against its SHA-256, naming the one that differs or is missing', () => {
    const out = join(root, 'export-corrupt');
    const { manifest } = exportRun(runs.mmoe!, out);
    expect(readArtifact(out)).toEqual(manifest);
    const onnx = readFileSync(join(out, 'model.onnx'));
    onnx[onnx.length >> 1] ^= 1;
    writeFileSync(join(out, 'model.onnx'), onnx);
    expect(() => readArtifact(out)).toThrow(/model\.onnx does not match its SHA-256/);
    onnx[onnx.length >> 1] ^= 1;
    writeFileSync(join(out, 'model.onnx'), onnx);
    expect(readArtifact(out).hash).toBe(manifest.hash);
    rmSync(join(out, 'preprocess.json'));
    expect(() => readArtifact(out)).toThrow(/preprocess\.json is missing/);
    expect(() => readArtifact(runs.mmoe!)).toThrow(MtrankError); // a run folder is not an export
  });

  it('refuses a non-empty folder unless --overwrite, and rejects unknown tasks and non-numeric weights', () => {
    const out = join(root, 'export-twice');
    exportRun(runs['shared-bottom']!, out);
    writeFileSync(join(out, 'stale.txt'), 'x');
    expect(() => exportRun(runs['shared-bottom']!, out)).toThrow(/not empty.*--overwrite/);
    exportRun(runs['shared-bottom']!, out, { overwrite: true, fusion: 'click=1' });
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    expect(readManifest(out).fusion!.weights).toEqual({ click: 1, cart: 0.5, order: 1 });

    const bad = join(root, 'export-bad');
    expect(() => exportRun(runs.mmoe!, bad, { fusion: 'clik=1' })).toThrow(/no task named 'clik'/);
    expect(() => exportRun(runs.mmoe!, bad, { fusion: 'click=abc' })).toThrow(/'click' must be a finite number/);
    expect(() => exportRun(runs.mmoe!, bad, { fusion: 'click=0.1', fusionForm: 'sum' })).toThrow(MtrankError);
    expect(existsSync(bad)).toBe(false);
  });
});
