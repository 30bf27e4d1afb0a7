// Training on a split streamed from the on-disk cache (a training split above data.memoryLimitMb) instead of loaded.
// With one chunk holding every row, the stream's buffer shuffle is the in-memory epoch order itself, so a streamed
// run must equal the in-memory run bit for bit. With several chunks the order differs by design (chunks in random
// order through a shuffle buffer: memory stays at bufferRows), so there the test checks the documented weaker
// property: each epoch visits every training row exactly once, in full batches but the last, seeded by seed and
// epoch alone — so an interrupted streamed run resumed from its checkpoint ends where an uninterrupted one does.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ExperimentConfig } from '../../src/config/index.js';
import { encodeData, writeFunnel } from '../../src/data/index.js';
import { openStreamedSplit, type StreamedSplit } from '../../src/data/batches.js';
import { loadSplit, splitBytes } from '../../src/data/cache.js';
import type { EncodedData } from '../../src/data/prepare.js';
import type { EncodedSplit } from '../../src/data/types.js';
import { epochBatches } from '../../src/training/batches.js';
import { runTraining } from '../../src/training/run.js';
import { evaluateRunSplit } from '../../src/app/summary.js';
import { train } from '../../src/training/trainer.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-stream-'));
const sets = [
  'model.bottom=[16]',
  'model.tower=[8]',
  'training.epochs=2',
  'training.batchSize=128',
  'training.evalEvery=5',
  'training.checkpointEvery=7',
  'training.threads=1',
  'data.cacheDir=' + join(root, 'cache'),
];
let configPath: string, config: ExperimentConfig, encoded: EncodedData;

afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  const funnel = await writeFunnel(join(root, 'data'), { rows: 3000, seed: 3, days: 6, clickRate: 0.2 });
  configPath = funnel.config;
  config = loadConfig(configPath, sets);
  encoded = await encodeData(config);
}, 60_000);

/** Every column value of row r, as one string: identifies rows across splits without row numbers. */
function rowKey(s: EncodedSplit, r: number): string {
  const D = s.denseNames.length;
  return [
    ...s.categorical.map((c) => c.ids[r]),
    ...s.multi.map((m) => Array.from(m.ids.subarray(m.offsets[r], m.offsets[r + 1])).join(' ')),
    ...Array.from(s.dense.subarray(r * D, r * D + D)),
    ...Object.values(s.labels).map((y) => y[r]),
  ].join(',');
}

function epochKeys(t: StreamedSplit, epoch: number, from = 0): { keys: string[]; sizes: number[] } {
  const keys: string[] = [],
    sizes: number[] = [];
  for (const b of epochBatches(t, config.seed, epoch, config.training.batchSize, from)) {
    sizes.push(b.rows.length);
    for (const r of b.rows) keys.push(rowKey(b.split, r));
  }
  return { keys, sizes };
}

describe('streamed training split', () => {
  it('several chunks: every row once per epoch, full batches but the last, seeded by epoch, resumable mid-epoch', () => {
    const inMemory = loadSplit(join(encoded.dir, 'train'), encoded.manifest.splits.train!);
    const all = Array.from({ length: inMemory.rows }, (_, r) => rowKey(inMemory, r)).sort();
    const t = openStreamedSplit(encoded, 'train', { chunkRows: 97, bufferRows: 300 });
    const B = config.training.batchSize;
    const e0 = epochKeys(t, 0);
    expect([...e0.keys].sort()).toEqual(all);
    expect(e0.sizes.slice(0, -1).every((n) => n === B)).toBe(true);
    expect(e0.sizes.length).toBe(Math.ceil(inMemory.rows / B));
    expect(epochKeys(t, 0).keys).toEqual(e0.keys); // the same seed and epoch: the same order
    expect(epochKeys(t, 1).keys).not.toEqual(e0.keys);
    expect(epochKeys(t, 0, 3).keys).toEqual(e0.keys.slice(3 * B)); // a resume at batch 3 sees the same rows
  });

  it('one chunk: `mtrank train` streaming the training split equals the in-memory run bit for bit', async () => {
    const mb = (s: 'train' | 'valid' | 'test') => splitBytes(encoded.manifest.splits[s]!) / 2 ** 20;
    const limit = (mb('train') + Math.max(mb('valid'), mb('test'))) / 2; // train above it, valid and test below
    expect(limit).toBeLessThan(mb('train'));
    const messages: string[] = [];
    const loaded = await runTraining({ config: configPath, out: join(root, 'loaded'), quiet: 'silent', set: sets });
    const streamed = await runTraining({
      config: configPath,
      out: join(root, 'streamed'),
      quiet: 'silent',
      set: [...sets, `data.memoryLimitMb=${limit}`],
      onMessage: (m) => messages.push(m),
    });
    expect(messages.some((m) => m.startsWith('streaming train'))).toBe(true);
    const log = (dir: string) =>
      readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('{"type":"config"'));
    expect(log(streamed.dir)).toEqual(log(loaded.dir));
    expect(log(loaded.dir).length).toBeGreaterThan(5);
    expect(streamed.metrics.test).toEqual(loaded.metrics.test);
    expect(streamed.metrics.coldStart).toEqual(loaded.metrics.coldStart);
    // evaluate reads the run's data the same way: the test split in memory, the training split streamed.
    const again = await evaluateRunSplit(streamed.dir, 'test', () => {});
    expect(again.tasks.click!.auc).toBeCloseTo(streamed.metrics.test.click!.auc!, 12);
    expect(again.coldStart).toEqual(streamed.metrics.coldStart);
    await expect(evaluateRunSplit(streamed.dir, 'train', () => {})).rejects.toThrow(
      /streamed it\); evaluate valid or test/,
    );
  }, 120_000);

  it('several chunks: an interrupted streamed run resumed from its checkpoint ends where an uninterrupted one does', async () => {
    const data = {
      train: openStreamedSplit(encoded, 'train', { chunkRows: 97, bufferRows: 300 }),
      valid: loadSplit(join(encoded.dir, 'valid'), encoded.manifest.splits.valid!),
    };
    const opts = { config, data, preprocessor: encoded.preprocessor };
    const full = await train({ ...opts, dir: join(root, 'full') });
    // Stops after step 20 (mid second epoch); the last checkpoint is at step 14, so steps 15..20 run twice.
    await train({ ...opts, dir: join(root, 'cut'), haltAfterStep: 20 });
    const resumed = await train({ ...opts, dir: join(root, 'cut'), resume: true });
    expect(resumed.steps).toBe(full.steps);
    const bytes = (r: typeof full) =>
      r.model.store.params().map((p) => Buffer.from(p.data.buffer, p.data.byteOffset, p.size * 4));
    expect(bytes(resumed)).toEqual(bytes(full));
    expect(readFileSync(join(root, 'cut', 'metrics.jsonl'), 'utf8')).toBe(
      readFileSync(join(root, 'full', 'metrics.jsonl'), 'utf8'),
    );
  }, 120_000);
});
