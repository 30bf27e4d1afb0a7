// Pretrained item vectors end to end: `mtrank train` (runTraining / train) on the fixture log with a word2vec
// file. Checks the item table against the file's vectors, the freeze/finetune modes step by step, vocabulary
// extension through predict, and metrics.json's coldStart against a brute-force computation from the raw files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { emptySplit, prepareData } from '../../src/data/index.js';
import type { FittedCategorical } from '../../src/features/preprocessor.js';
import { pretrainedFeatures, pretrainedInit } from '../../src/features/pretrained.js';
import { pretrainedGroup } from '../../src/pretrain/modes.js';
import { runTraining } from '../../src/training/run.js';
import { createOptimizers, train } from '../../src/training/trainer.js';
import { predictSplit } from '../../src/training/evaluation.js';
import { encodeRecords, predictFile } from '../../src/app/predict.js';
import { loadSavedRun } from '../../src/training/saved-run.js';
import { column, DIM, fixtureConfig, writeFixture, type Fixture } from './pretrained-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-pretrained-'));
let fx: Fixture;
beforeAll(() => {
  fx = writeFixture(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function configFile(
  name: string,
  pretrained: Record<string, unknown> | null,
  training: Record<string, unknown> = {},
): string {
  const path = join(root, `${name}.json`);
  writeFileSync(path, JSON.stringify(fixtureConfig(fx, pretrained, training)));
  return path;
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const itemTable = (run: { model: { store: { tables(): readonly { name: string; data: Float32Array }[] } } }) =>
  run.model.store.tables().find((t) => t.name === 'emb.item_id')!.data;
const fileRow = (token: string) =>
  fx.vectorData.data.subarray(
    fx.vectorData.tokens.indexOf(token) * DIM,
    (fx.vectorData.tokens.indexOf(token) + 1) * DIM,
  );

/** Mann–Whitney by counting all (positive, negative) pairs; ties count one half. */
function bruteAuc(scores: number[], labels: number[]): number | null {
  let wins = 0,
    pairs = 0;
  scores.forEach((p, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((n, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      wins += p > n ? 1 : p === n ? 0.5 : 0;
    });
  });
  return pairs ? wins / pairs : null;
}

describe('mtrank train with pretrained item vectors', () => {
  it('freeze: the trained item table is byte-identical to the file vectors (and the prepared initial table)', async () => {
    const out = join(root, 'freeze');
    await runTraining({
      config: configFile('freeze', { mode: 'freeze', extendVocab: true }),
      out,
      quiet: 'silent',
    });
    const run = loadSavedRun(out);
    const f = run.preprocessor.feature('item_id') as FittedCategorical,
      table = itemTable(run);
    for (const t of fx.vectorData.tokens) {
      const r = f.vocab!.indexOf(t) + 1;
      expect(bytes(table.subarray(r * DIM, (r + 1) * DIM)).equals(bytes(fileRow(t))), t).toBe(true);
    }
    expect(
      bytes(table).equals(bytes(pretrainedInit(pretrainedFeatures(run.preprocessor)[0]!, run.config.seed).data)),
    ).toBe(true);
    // ...while the rest of the model trained.
    const log = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.find((l) => l.type === 'pretrained')?.features[0]).toMatchObject({
      feature: 'item_id',
      mode: 'freeze',
      coverage: { covered: 25, extended: 8 },
    });
  }, 20_000);

  it('finetune: training items move away from their file vectors; items only the file knows keep them exactly', async () => {
    const out = join(root, 'finetune');
    await runTraining({
      config: configFile('finetune', { mode: 'finetune', extendVocab: true }),
      out,
      quiet: 'silent',
    });
    const run = loadSavedRun(out);
    const f = run.preprocessor.feature('item_id') as FittedCategorical,
      table = itemTable(run);
    const row = (t: string) => {
      const r = f.vocab!.indexOf(t) + 1;
      return table.subarray(r * DIM, (r + 1) * DIM);
    };
    const trainItems = new Set(column(fx.files.train, 'item_id'));
    for (const t of fx.vectorData.tokens) expect(bytes(row(t)).equals(bytes(fileRow(t))), t).toBe(!trainItems.has(t));
  }, 20_000);

  it('freeze-then-finetune: unchanged through unfreezeAfter steps, changed by the next one; lrScale sets the group rate', async () => {
    const configPath = configFile(
      'switch',
      { mode: 'freeze-then-finetune', unfreezeAfter: 4, lrScale: 0.5, extendVocab: true },
      { evalEvery: 1000 },
    );
    const config = loadConfig(configPath);
    const data = await prepareData(config);
    const noValid = emptySplit(data.manifest.splits.train!); // without a valid split the result holds the last weights
    const after = async (steps: number) => {
      const r = await train({
        config,
        data: { train: data.train, valid: noValid },
        dir: join(root, `switch-${steps}`),
        haltAfterStep: steps,
        preprocessor: data.preprocessor,
      });
      return Float32Array.from(itemTable(r));
    };
    const initial = pretrainedInit(pretrainedFeatures(data.preprocessor)[0]!, config.seed).data;
    expect(bytes(await after(4)).equals(bytes(initial))).toBe(true);
    expect(bytes(await after(5)).equals(bytes(initial))).toBe(false);
    const r = await train({
      config,
      data: { train: data.train, valid: noValid },
      dir: join(root, 'switch-0'),
      haltAfterStep: 0,
      preprocessor: data.preprocessor,
    });
    const [, embeddings] = createOptimizers(config, r.model);
    expect(embeddings!.lrFor(pretrainedGroup('item_id'))).toBeCloseTo(0.5 * 0.05, 12);
    expect(embeddings!.lrFor('embedding')).toBeCloseTo(0.05, 12);
    await expect(
      train({ config, data: { train: data.train, valid: noValid }, dir: join(root, 'switch-x'), haltAfterStep: 0 }),
    ).rejects.toThrow(/features item_id use pretrained vectors: train\(\) needs the fitted preprocessor/);
  }, 20_000);

  it('extendVocab: predict gives an item only the file knows its appended row, and an unknown item the OOV row', async () => {
    const run = loadSavedRun(join(root, 'finetune'));
    const f = run.preprocessor.feature('item_id') as FittedCategorical;
    const trained = f.pretrained!.trainedVocab;
    const rows = [
      { user_id: 'u1', item_id: 'p2', price: 3 },
      { user_id: 'u1', item_id: 'z1', price: 3 },
      { user_id: 'u1', item_id: 'x0', price: 3 },
      { user_id: 'u1', item_id: 't4', price: 3 },
    ];
    const enc = encodeRecords(run, rows);
    const ids = Array.from(enc.categorical.find((c) => c.name === 'item_id')!.ids);
    expect(ids).toEqual([f.vocab!.indexOf('p2') + 1, f.vocab!.indexOf('z1') + 1, 0, f.vocab!.indexOf('t4') + 1]);
    expect(ids[0]).toBeGreaterThan(trained);
    const input = join(root, 'rows.csv'),
      output = join(root, 'scores.csv');
    writeFileSync(
      input,
      ['user_id,item_id,price', ...rows.map((r) => `${r.user_id},${r.item_id},${r.price}`)].join('\n') + '\n',
    );
    const result = await predictFile(run.dir, input, output);
    expect(result.sources).toEqual([{ feature: 'item_id', trained: 1, pretrained: 2, inductive: 0, oov: 1 }]);
    const scores = readFileSync(output, 'utf8').trim().split('\n').slice(1).map(Number);
    const direct = predictSplit(run.model, enc)[0]!;
    scores.forEach((s, i) => expect(s).toBeCloseTo(direct[i]!, 6));
    expect(scores[0]).not.toBe(scores[2]); // the pretrained row, not the OOV row
  }, 20_000);

  it('metrics.json coldStart: seen / unseen / unseen-but-pretrained counts and AUCs match a brute-force computation', async () => {
    const out = join(root, 'finetune');
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const run = loadSavedRun(out);
    const data = await prepareData(run.config);
    const scores = Array.from(predictSplit(run.model, data.test)[0]!);
    const items = column(fx.files.test, 'item_id'),
      labels = column(fx.files.test, 'click').map(Number);
    const trainItems = new Set(column(fx.files.train, 'item_id')),
      fileItems = new Set(fx.vectorData.tokens);
    const slice = (keep: (i: number) => boolean) => {
      const idx = items.map((_, i) => i).filter(keep);
      const y = idx.map((i) => labels[i]!);
      return {
        rows: idx.length,
        positives: y.filter((v) => v === 1).length,
        auc: bruteAuc(
          idx.map((i) => scores[i]!),
          y,
        ),
      };
    };
    const expected = {
      seen: slice((i) => trainItems.has(items[i]!)),
      unseen: slice((i) => !trainItems.has(items[i]!)),
      unseenPretrained: slice((i) => !trainItems.has(items[i]!) && fileItems.has(items[i]!)),
    };
    expect(expected.unseenPretrained.rows).toBeGreaterThan(10);
    for (const k of ['seen', 'unseen', 'unseenPretrained'] as const) {
      const got = metrics.coldStart.click[k];
      expect(got.rows, k).toBe(expected[k].rows);
      expect(got.positives, k).toBe(expected[k].positives);
      expect(got.auc, k).toBeCloseTo(expected[k].auc!, 10);
    }
    expect(metrics.coldStart.click.seen.rows + metrics.coldStart.click.unseen.rows).toBe(items.length);
    // The metrics log's test line carries the same breakdown; predictions/test.csv the same seen flags.
    const log = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.find((l) => l.type === 'test').coldStart).toEqual(metrics.coldStart);
    const seenCol = readFileSync(join(out, 'predictions', 'test.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',').at(-1)));
    expect(seenCol).toEqual(items.map((t) => (trainItems.has(t) ? 1 : 0)));
  }, 20_000);
});
