/**
 * The encoded-data cache: `<cacheDir>/<key>/` holds `manifest.json`, `preprocess.json` and one directory per
 * split of column files (layout in docs/data.md). The key hashes the config's data and features sections, each
 * task's name and label rule, and every input file's path, size and mtime (data sources and pretrained vector
 * files), so any change re-encodes and an unchanged run skips parsing. A task's training knobs (labelWeight,
 * lossWeight, dependsOn, …) do not change the encoded arrays, so a sweep over them shares one entry.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fingerprintFile, type FileFingerprint } from '../util/fingerprint.js';
import type { ExperimentConfig } from '../config/schema.js';
import { tempPath, writeFileAtomic } from '../util/atomic-write.js';
import { readColumn } from './columns.js';
import type { SplitManifest } from './encode.js';
import type { SourceFile } from './sources.js';
import type { EncodedSplit, SplitName } from './types.js';

// 2: the manifest records each column file's size and CRC-32.
export const CACHE_VERSION = 2;

export interface CacheManifest {
  version: number;
  key: string;
  createdAt: string;
  sources: { path: string; size: number; mtimeMs: number }[];
  splits: Partial<Record<SplitName, SplitManifest>>;
  badRows: { skipped: number; reasons: Record<string, number>; examples: string[] };
  /** Every file of the entry (path relative to it) with its size and CRC-32, checked before the entry is used. */
  files: Record<string, FileFingerprint>;
}

/** The part of the config that decides the encoded arrays (not where the cache lives or how it streams). */
export function cacheKey(config: ExperimentConfig, files: Pick<SourceFile, 'path' | 'size' | 'mtimeMs'>[]): string {
  const { cacheDir: _c, memoryLimitMb: _m, ...data } = config.data;
  const random = data.split?.method === 'random' ? { seed: data.split.seed ?? config.seed } : {};
  const payload = JSON.stringify({
    version: CACHE_VERSION,
    data,
    random,
    features: config.features,
    // Only what encoding reads (the label columns, features/fit.ts fittedLabels); the task order is the label order.
    tasks: Object.entries(config.tasks).map(([name, t]) => [name, t.label]),
    files: files.map((f) => [f.path, f.size, f.mtimeMs]),
  });
  return createHash('sha256').update(payload).digest('hex').slice(0, 20);
}

export function readManifest(dir: string): CacheManifest | null {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return null;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as CacheManifest;
    return m.version === CACHE_VERSION ? m : null;
  } catch {
    return null;
  }
}

/**
 * Why a cache entry cannot be used (a file missing, truncated or changed since it was written), or null when
 * every file matches its recorded size and checksum. A bad entry is re-encoded, never half-loaded.
 */
export function cacheDefect(dir: string, m: CacheManifest): string | null {
  const needed = new Set(['preprocess.json']);
  for (const [split, s] of Object.entries(m.splits)) {
    const files = [
      ...s.categorical.map((c) => c.file),
      ...s.multi.flatMap((x) => [x.offsets, x.ids]),
      ...s.labels.map((l) => l.file),
      s.dense,
      s.group,
      s.item,
    ];
    for (const f of files) if (f) needed.add(`${split}/${f}`);
  }
  for (const f of needed) {
    const want = m.files?.[f];
    if (!want) return `${f} has no recorded checksum`;
    const path = join(dir, f);
    if (!existsSync(path)) return `${f} is missing`;
    const got = fingerprintFile(path);
    if (got.size !== want.size) return `${f} has ${got.size} bytes, expected ${want.size}`;
    if (got.crc32 !== want.crc32) return `${f} fails its checksum`;
  }
  return null;
}

/** Size and checksum of every file under an entry being published (paths relative to it). */
export function fingerprintEntry(dir: string): Record<string, FileFingerprint> {
  const out: Record<string, FileFingerprint> = {};
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, rel);
    if (rel !== 'manifest.json' && statSync(path).isFile()) out[rel.split(sep).join('/')] = fingerprintFile(path);
  }
  return out;
}

/**
 * Publish a fully written temporary directory as the cache entry (the manifest is written last); returns the
 * manifest of the entry now in place. Processes that encode the same data at once (a sweep's parallel trials share
 * one entry) each publish: a whole entry already there stays, since another process may be loading it, and this
 * one is dropped. A damaged entry, or any entry when `replace` (a re-encode the user asked for), is swapped out.
 */
export function publishCache(
  tmpDir: string,
  finalDir: string,
  manifest: CacheManifest,
  replace = false,
): CacheManifest {
  writeFileAtomic(join(tmpDir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(tmpDir, finalDir); // fails on a non-empty finalDir: never half-replaces a published entry
      return manifest;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt === 3) throw e;
    }
    const existing = replace ? null : readManifest(finalDir);
    if (existing && !cacheDefect(finalDir, existing)) {
      rmSync(tmpDir, { recursive: true, force: true });
      return existing;
    }
    // Moved aside in one step, then deleted: readers see the old entry or (after the retry) the new one.
    const aside = tempPath(finalDir);
    try {
      renameSync(finalDir, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // another process moved it first
    }
    rmSync(aside, { recursive: true, force: true });
  }
}

/** Bytes an in-memory copy of a split takes. */
export function splitBytes(m: SplitManifest): number {
  const per =
    4 * m.categorical.length + 4 * m.denseNames.length + m.labels.length + (m.group ? 4 : 0) + (m.item ? 4 : 0);
  let bytes = per * m.rows;
  for (const x of m.multi) bytes += 4 * (m.rows + 1) + 4 * x.count;
  return bytes;
}

/** Load a split directory into memory. */
export function loadSplit(dir: string, m: SplitManifest): EncodedSplit {
  const at = (f: string) => join(dir, f);
  const labels: Record<string, Uint8Array> = {};
  for (const l of m.labels) labels[l.task] = readColumn(at(l.file), Uint8Array);
  const split: EncodedSplit = {
    rows: m.rows,
    categorical: m.categorical.map((c) => ({
      name: c.name,
      ids: readColumn(at(c.file), Int32Array),
      vocabSize: c.vocabSize,
      dim: c.dim,
    })),
    multi: m.multi.map((x) => ({
      name: x.name,
      offsets: readColumn(at(x.offsets), Int32Array),
      ids: readColumn(at(x.ids), Int32Array),
      vocabSize: x.vocabSize,
      dim: x.dim,
      pooling: x.pooling,
    })),
    dense: m.denseNames.length ? readColumn(at(m.dense), Float32Array) : new Float32Array(0),
    denseNames: m.denseNames,
    labels,
  };
  if (m.group) split.group = readColumn(at(m.group), Int32Array);
  if (m.item) split.item = readColumn(at(m.item), Int32Array);
  return split;
}
