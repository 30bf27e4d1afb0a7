/**
 * run.json: what a run was made with (mtrank and Node versions, wasm kernel variant, thread count) and the
 * data it is bound to (a fingerprint of each data source and pretrained vector file). `--resume` on changed
 * data is refused naming the file; `evaluate` says when the data changed since training.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { ExperimentConfig } from '../config/index.js';
import { kernelInfo } from '../engine/kernels.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';
import { fingerprintFile, type FileFingerprint } from '../util/fingerprint.js';
import { mtrankVersion } from '../util/version.js';

const sourceFingerprint = z.object({ path: z.string(), size: z.number().int().nonnegative(), crc32: z.number().int() });
export type SourceFingerprint = z.infer<typeof sourceFingerprint>;

const runRecord = z.object({
  mtrank: z.string(),
  node: z.string(),
  platform: z.string(),
  wasm: z.enum(['relaxed', 'simd', 'js']),
  threads: z.number().int().positive(),
  startedAt: z.string(),
  /** Set by finishRun: evaluate/predict on a run without it say the run is unfinished. */
  finishedAt: z.string().optional(),
  data: z.object({ sources: z.array(sourceFingerprint) }),
  /** Size and CRC-32 of config.json and preprocess.json: a changed digit in them is caught on load. */
  artifacts: z.record(z.string(), z.object({ size: z.number(), crc32: z.number() })).optional(),
});
export type RunRecord = z.infer<typeof runRecord>;

export function fingerprintSources(paths: string[]): SourceFingerprint[] {
  return paths.map((path) => ({ path, ...fingerprintFile(path) }));
}

export function newRunRecord(config: ExperimentConfig, sources: SourceFingerprint[]): RunRecord {
  const t = config.training.threads;
  return {
    mtrank: mtrankVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    wasm: kernelInfo().variant,
    threads: t === 'auto' ? Math.max(1, availableParallelism()) : t,
    startedAt: new Date().toISOString(),
    data: { sources },
  };
}

export function writeRunRecord(path: string, r: RunRecord): void {
  writeFileAtomic(path, JSON.stringify(r, null, 2) + '\n');
}

/** run.json validated; null when absent (runs made before it existed); a clear error when damaged. */
export function readRunRecord(path: string): RunRecord | null {
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new MtrankError(
      `${path}: damaged run record (${(e as Error).message}); retrain into a fresh directory`,
      undefined,
      'data',
    );
  }
  const r = runRecord.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new MtrankError(
      `${path}: damaged run record (${i.path.join('.') || 'top level'}: ${i.message}); retrain into a fresh directory`,
      undefined,
      'data',
    );
  }
  return r.data;
}

/** What differs between the sources a run was trained on and the current ones, or null when nothing does. */
export function describeDataChange(before: SourceFingerprint[], now: SourceFingerprint[]): string | null {
  const old = new Map(before.map((s) => [s.path, s]));
  const cur = new Map(now.map((s) => [s.path, s]));
  const changes: string[] = [];
  for (const [path, s] of cur) {
    const o = old.get(path);
    if (!o) changes.push(`${path} is new`);
    else if (o.size !== s.size) changes.push(`${path} changed (${o.size} → ${s.size} bytes)`);
    else if (o.crc32 !== s.crc32) changes.push(`${path} changed (same size, different content)`);
  }
  for (const path of old.keys()) if (!cur.has(path)) changes.push(`${path} is gone`);
  return changes.length ? changes.join('; ') : null;
}

/** Fingerprints of the run's JSON artifacts, to store in run.json. */
export function fingerprintArtifacts(dir: string, names: string[]): Record<string, FileFingerprint> {
  return Object.fromEntries(names.map((n) => [n, fingerprintFile(join(dir, n))]));
}

/** Throws when an artifact no longer matches the fingerprint run.json recorded for it. */
export function verifyArtifact(record: RunRecord | null, dir: string, name: string): void {
  const want = record?.artifacts?.[name];
  if (!want) return;
  const got = fingerprintFile(join(dir, name));
  if (got.size !== want.size || got.crc32 !== want.crc32)
    throw new MtrankError(
      `${join(dir, name)}: changed since training (size or checksum differs from run.json); restore it or retrain`,
      undefined,
      'data',
    );
}
