// Several processes encoding the same data at once (a sweep's parallel trials share one cache entry) each publish
// the entry; the first whole one must stay in place, since the others may already be reading it.
import { describe, it, expect, afterAll } from 'vitest';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import {
  fingerprintEntry,
  publishCache,
  readManifest,
  CACHE_VERSION,
  type CacheManifest,
} from '../../src/data/cache.js';
import { prepareData } from '../../src/data/prepare.js';
import { generateFunnel, writeFunnelCsv } from '../../src/data/synth.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-cache-publish-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A written-out entry in `dir` whose one column file holds `content`, and its manifest. */
function stagedEntry(dir: string, content: string): CacheManifest {
  mkdirSync(join(dir, 'train'), { recursive: true });
  writeFileSync(join(dir, 'preprocess.json'), '{}');
  writeFileSync(join(dir, 'train', 'label.0.u8'), content);
  const split = { rows: content.length, categorical: [], multi: [], denseNames: [], dense: '', labels: [] };
  return {
    version: CACHE_VERSION,
    key: 'k',
    createdAt: content,
    sources: [],
    splits: { train: { ...split, labels: [{ task: 't', file: 'label.0.u8' }] } as never },
    badRows: { skipped: 0, reasons: {}, examples: [] },
    files: fingerprintEntry(dir),
  };
}

const column = (entry: string) => readFileSync(join(entry, 'train', 'label.0.u8'), 'utf8');

describe('publishCache', () => {
  it('moves the written entry into place', () => {
    const final = join(root, 'a', 'k');
    const m = stagedEntry(`${final}.tmp-1`, 'first');
    expect(publishCache(`${final}.tmp-1`, final, m)).toEqual(m);
    expect(column(final)).toBe('first');
    expect(readManifest(final)).toEqual(m);
    expect(existsSync(`${final}.tmp-1`)).toBe(false);
  });

  it('keeps a whole entry another process published first (a reader may be loading it) and drops its own', () => {
    const final = join(root, 'b', 'k');
    const first = stagedEntry(`${final}.tmp-1`, 'first');
    publishCache(`${final}.tmp-1`, final, first);
    const inode = statSync(join(final, 'train', 'label.0.u8')).ino;
    const second = stagedEntry(`${final}.tmp-2`, 'second');
    expect(publishCache(`${final}.tmp-2`, final, second)).toEqual(first);
    expect(statSync(join(final, 'train', 'label.0.u8')).ino).toBe(inode);
    expect(column(final)).toBe('first');
    expect(readdirSync(join(root, 'b'))).toEqual(['k']);
  });

  it('replaces a damaged entry, and a whole one when asked to (a re-encode without the cache)', () => {
    const final = join(root, 'c', 'k');
    publishCache(`${final}.tmp-1`, final, stagedEntry(`${final}.tmp-1`, 'first'));
    writeFileSync(join(final, 'train', 'label.0.u8'), 'damage');
    const second = stagedEntry(`${final}.tmp-2`, 'second');
    expect(publishCache(`${final}.tmp-2`, final, second)).toEqual(second);
    expect(column(final)).toBe('second');
    const third = stagedEntry(`${final}.tmp-3`, 'third');
    expect(publishCache(`${final}.tmp-3`, final, third, true)).toEqual(third);
    expect(column(final)).toBe('third');
    expect(readdirSync(join(root, 'c'))).toEqual(['k']);
  });
});

describe('concurrent encodes of one entry', () => {
  it('all succeed and load the same arrays as an encode on its own', async () => {
    const csv = join(root, 'funnel.csv');
    writeFunnelCsv(generateFunnel({ rows: 3000, users: 60, items: 40, days: 6, seed: 5 }), csv);
    const config = (cacheDir: string) =>
      parseConfig({
        data: { source: csv, split: { method: 'time', column: 'day', validFrom: 4, testFrom: 5 }, cacheDir },
        features: { user_id: { type: 'categorical' }, item_id: { type: 'categorical' }, price: { type: 'numeric' } },
        tasks: { click: { label: 'is_click' }, order: { label: 'is_order' } },
      });
    const alone = await prepareData(config(join(root, 'cache-alone')), { threads: 1 });
    // In one process the encodes interleave at DuckDB's awaits: all but the first to publish find the entry there
    // and load it (with its vocabularies) instead of their own. Across processes, replacing it instead made
    // another trainer's loads fail with ENOENT (the sweep-worker-kill test's flake).
    const shared = join(root, 'cache-shared');
    const all = await Promise.all([1, 2, 3, 4].map(() => prepareData(config(shared), { threads: 1 })));
    for (const got of all) {
      expect(got.dir).toBe(all[0]!.dir);
      for (const s of ['train', 'valid', 'test'] as const) expect(got[s]).toEqual(alone[s]);
      expect(got.preprocessor.json).toEqual(alone.preprocessor.json);
    }
    expect(readdirSync(shared)).toHaveLength(1);
  });
});
