// Pretrained item vectors through the data pipeline: vocabulary extension, encoding of every split, the cache
// key, the initial table, and errors — checked against brute-force computations on the fixture's files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { prepareData, type PreparedData } from '../../src/data/prepare.js';
import { pretrainedFeatures, pretrainedInit, vectorSources } from '../../src/features/pretrained.js';
import type { FittedCategorical } from '../../src/features/preprocessor.js';
import { writeVectors } from '../../src/features/word2vec-io.js';
import { MtrankError } from '../../src/util/errors.js';
import {
  bruteVocab,
  column,
  DIM,
  FILE_TOKENS,
  fixtureConfig,
  writeFixture,
  type Fixture,
} from './pretrained-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'mtrank-pre-data-'));
let fx: Fixture;
let plain: PreparedData, extended: PreparedData;
const messages: string[] = [];

beforeAll(async () => {
  fx = writeFixture(dir);
  plain = await prepareData(parseConfig(fixtureConfig(fx, null)), { threads: 1 });
  extended = await prepareData(parseConfig(fixtureConfig(fx, { mode: 'freeze', extendVocab: true })), {
    threads: 1,
    onProgress: (e) => messages.push(e.message),
  });
}, 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const itemIds = (d: PreparedData, split: 'train' | 'valid' | 'test') =>
  d[split].categorical.find((c) => c.name === 'item_id')!.ids;

describe('pretrained vectors in the data pipeline', () => {
  it('extendVocab appends the file tokens outside the training vocabulary, in file order', () => {
    const trained = bruteVocab(fx.files.train, 'item_id');
    const appended = FILE_TOKENS.filter((t) => !trained.includes(t));
    expect(appended).toEqual(['p0', 'z0', 'p1', 'p2', 'z1', 'p3', 'p4', 'p5']);
    const f = extended.preprocessor.feature('item_id') as FittedCategorical;
    expect(f.vocab).toEqual([...trained, ...appended]);
    expect(f.pretrained!.trainedVocab).toBe(trained.length);
    expect(extended.train.categorical.find((c) => c.name === 'item_id')!.vocabSize).toBe(
      trained.length + appended.length + 1,
    );
    const cov = f.pretrained!.coverage;
    expect(cov).toMatchObject({
      vocabulary: 30,
      covered: 25,
      fileTokens: FILE_TOKENS.length,
      outsideVocabulary: 8,
      extended: 8,
    });
    expect(messages.some((m) => m.includes('item_id: 25/30 vocabulary entries') && m.includes('8 appended'))).toBe(
      true,
    );
  });

  it('valid/test rows with a pretrained-only item encode to its appended index; unknown items to 0; train is unchanged', () => {
    const trained = bruteVocab(fx.files.train, 'item_id');
    const index = new Map([...trained, ...FILE_TOKENS.filter((t) => !trained.includes(t))].map((t, i) => [t, i + 1]));
    for (const split of ['train', 'valid', 'test'] as const) {
      const raw = column(fx.files[split], 'item_id');
      expect(Array.from(itemIds(extended, split))).toEqual(raw.map((t) => index.get(t) ?? 0));
      expect(Array.from(extended[split].item!)).toEqual(raw.map((t) => index.get(t) ?? 0));
    }
    expect(Array.from(itemIds(extended, 'train'))).toEqual(Array.from(itemIds(plain, 'train')));
    const test = column(fx.files.test, 'item_id'),
      ids = itemIds(extended, 'test');
    const p = test.findIndex((t) => t.startsWith('p'));
    expect(ids[p]).toBeGreaterThan(trained.length);
    expect(itemIds(plain, 'test')[p]).toBe(0);
    // The same ids through the single-row encoder used at inference.
    expect(extended.preprocessor.encodeRow({ user_id: 'u1', item_id: test[p], price: '3' }).item).toBe(ids[p]);
    expect(extended.preprocessor.encodeRow({ user_id: 'u1', item_id: 'x0', price: '3' }).item).toBe(0);
    const sources = vectorSources(extended.preprocessor.feature('item_id') as FittedCategorical, ids);
    expect(sources).toEqual({
      trained: test.filter((t) => t.startsWith('t')).length,
      pretrained: test.filter((t) => t.startsWith('p')).length,
      inductive: 0, // no item was appended after training
      oov: test.filter((t) => t.startsWith('x')).length,
    });
  });

  it('the initial table: file vectors on covered and appended rows, the mean file vector in row 0, seeded draws elsewhere', () => {
    const [f] = pretrainedFeatures(extended.preprocessor);
    const init = pretrainedInit(f!, 5);
    const row = (t: string) => f!.vocab.indexOf(t) + 1;
    for (const [k, t] of FILE_TOKENS.entries()) {
      expect(Array.from(init.data.subarray(row(t) * DIM, (row(t) + 1) * DIM))).toEqual(
        Array.from(fx.vectorData.data.subarray(k * DIM, (k + 1) * DIM)),
      );
    }
    for (let c = 0; c < DIM; c++) {
      let s = 0;
      for (let k = 0; k < FILE_TOKENS.length; k++) s += fx.vectorData.data[k * DIM + c]!;
      expect(init.data[c]).toBeCloseTo(s / FILE_TOKENS.length, 6);
    }
    expect(Array.from(pretrainedInit(f!, 5).data)).toEqual(Array.from(init.data));
    const other = pretrainedInit(f!, 6).data,
      uncovered = row('t25') * DIM;
    expect(other[uncovered]).not.toBe(init.data[uncovered]);
  });

  it('the cache key includes the vector file: a changed file re-encodes', async () => {
    const config = parseConfig(fixtureConfig(fx, { extendVocab: true }));
    await prepareData(config, { threads: 1 });
    expect((await prepareData(config, { threads: 1 })).report.cached).toBe(true);
    writeVectors(fx.vectors, {
      tokens: [...fx.vectorData.tokens, 'p9'],
      dim: DIM,
      data: Float32Array.from([...fx.vectorData.data, 1, 2, 3, 4]),
    });
    try {
      const re = await prepareData(config, { threads: 1 });
      expect(re.report.cached).toBe(false);
      expect((re.preprocessor.feature('item_id') as FittedCategorical).vocab!.at(-1)).toBe('p9');
    } finally {
      writeVectors(fx.vectors, fx.vectorData);
    }
  });

  it('a dimension mismatch names the file and the feature; a malformed line names its line', async () => {
    const bad = join(dir, 'dim3.vec');
    writeVectors(bad, { tokens: ['t0'], dim: 3, data: Float32Array.from([1, 2, 3]) });
    const run = (path: string) =>
      prepareData(
        parseConfig({
          ...fixtureConfig(fx, null),
          features: {
            ...fixtureConfig(fx, null).features,
            item_id: { type: 'categorical', embeddingDim: DIM, pretrained: { path } },
          },
        }),
        { threads: 1 },
      );
    await expect(run(bad)).rejects.toThrow(MtrankError);
    await expect(run(bad)).rejects.toThrow(
      `${bad}, line 1: vectors have dimension 3 but features.item_id.embeddingDim is 4`,
    );
    const broken = join(dir, 'broken.vec');
    writeFileSync(broken, '2 4\nt0 1 2 3 4\nt1 1 2 x 4\n');
    await expect(run(broken)).rejects.toThrow(/broken\.vec, line 3: value 3 of 't1' is not a finite number/);
    await expect(run(join(dir, 'missing.vec'))).rejects.toThrow(
      /missing\.vec: file not found \(features\.item_id\.pretrained\.path\)/,
    );
  });

  it('a hashed feature cannot take pretrained vectors', () => {
    const raw = fixtureConfig(fx, null);
    expect(() =>
      parseConfig({
        ...raw,
        features: {
          ...raw.features,
          item_id: { type: 'categorical', hashBuckets: 10, pretrained: { path: fx.vectors } },
        },
      }),
    ).toThrow(/features\.item_id\.pretrained: a hashed feature/);
  });
});
