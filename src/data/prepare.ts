/**
 * The public entry of the data layer: config → encoded splits + fitted preprocessor, through the cache.
 *
 *   encodeData(config)  — reads, checks, fits on train, encodes every split to column files (or finds them
 *                         in the cache); loads nothing.
 *   prepareData(config) — encodeData, then loads the splits into memory (refusing splits larger than
 *                         data.memoryLimitMb: stream those with `streamBatches`).
 *   prepareTrainingData — the same, but a training split above the limit is opened for streaming (what
 *                         `mtrank train` does): valid and test must fit.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import { MtrankError, withErrorKind } from '../util/errors.js';
import { removeStaleTemps, tempPath } from '../util/atomic-write.js';
import { fitPreprocessor } from '../features/fit.js';
import { registerVocabularies } from '../features/sql.js';
import { Preprocessor, type PreprocessJson } from '../features/preprocessor.js';
import { coverageLines, pretrainedFileStats } from '../features/pretrained.js';
import {
  CACHE_VERSION,
  cacheDefect,
  cacheKey,
  fingerprintEntry,
  loadSplit,
  publishCache,
  readManifest,
  splitBytes,
  type CacheManifest,
} from './cache.js';
import { onOneThread, withConnection, type DuckDBConnection } from '../util/duckdb.js';
import { encodeTable, type SplitManifest } from './encode.js';
import { checkCompressedSources, expandSource, hasGlob, type SourceFile } from './sources.js';
import { stageSplits, type BadRowReport } from './stage.js';
import { SPLITS, type EncodedSplit, type SplitName } from './types.js';
import { openStreamedSplit, type StreamedSplit } from './batches.js';
import { counted } from '../util/plural.js';

export interface ProgressEvent {
  stage: 'cache' | 'read' | 'fit' | 'encode' | 'load' | 'done';
  split?: SplitName;
  rows?: number;
  message: string;
}

export interface PrepareOptions {
  /** Overrides config.data.cacheDir. */
  cacheDir?: string;
  onProgress?: (e: ProgressEvent) => void;
  /** DuckDB threads (default: all cores). */
  threads?: number;
  /** false = always re-encode (the result still replaces the cache entry). */
  useCache?: boolean;
  /**
   * Encode with this fitted preprocessing (a run's preprocess.json) instead of fitting on the training split:
   * evaluate/predict always see the data through the encoders the model was trained with.
   */
  fitted?: PreprocessJson;
}

export interface DataReport {
  cached: boolean;
  /** The cache entry's directory (manifest.json, preprocess.json, split directories). */
  dir: string;
  rows: Record<SplitName, number>;
  badRows: BadRowReport;
  seconds: number;
  sources: string[];
}

export interface EncodedData {
  dir: string;
  manifest: CacheManifest;
  preprocessor: Preprocessor;
  report: DataReport;
}

export interface PreparedData extends EncodedData {
  train: EncodedSplit;
  valid: EncodedSplit;
  test: EncodedSplit;
}

/** Encode (or find in the cache) every split of the config; nothing is loaded into memory. */
export async function encodeData(config: ExperimentConfig, opts: PrepareOptions = {}): Promise<EncodedData> {
  // Whatever fails while reading and encoding is about the data (exit code of data errors).
  return withErrorKind('data', () => encodeDataUnchecked(config, opts));
}

async function encodeDataUnchecked(config: ExperimentConfig, opts: PrepareOptions): Promise<EncodedData> {
  const start = performance.now();
  const progress = opts.onProgress ?? (() => {});
  const cacheRoot = opts.cacheDir ?? config.data.cacheDir ?? '.cache/mtrank';
  const sources = await listSources(config);
  // The vocabulary of a pretrained feature may be extended from its vector file, so the file is an input too.
  const key = fittedKey(cacheRoot, cacheKey(config, [...sources, ...pretrainedFileStats(config)]), opts.fitted);
  const dir = join(cacheRoot, key);
  removeStaleTemps(cacheRoot);
  const found = opts.useCache === false ? null : readManifest(dir);
  const defect = found ? cacheDefect(dir, found) : null;
  if (found && defect)
    progress({ stage: 'cache', message: `warning: cache entry ${dir} is damaged (${defect}); re-encoding` });
  const cached = found && !defect ? found : null;
  if (cached) {
    // Without DuckDB: loading its native module and starting it cost a cached run ~0.5 CPU s.
    progress({ stage: 'cache', message: `using cached encoding ${dir}` });
    const preprocessor = Preprocessor.load(join(dir, 'preprocess.json'));
    for (const line of coverageLines(preprocessor)) progress({ stage: 'cache', message: line });
    return { dir, manifest: cached, preprocessor, report: report(cached, dir, true, start) };
  }
  return withConnection(
    async (c) => {
      progress({ stage: 'read', message: `reading ${counted(sources.length, 'file')}` });
      await checkCompressedSources(sources);
      // On one thread: with two, the rows of a large file reached the staged table (and so the encoded splits)
      // in an order that varied from run to run, so the same seed trained a different model.
      const staged = await onOneThread(c, () => stageSplits(c, config));
      progress({ stage: 'fit', message: 'fitting vocabularies and statistics on the training split' });
      let pre: PreprocessJson;
      if (opts.fitted) {
        pre = opts.fitted;
        await registerVocabularies(c, pre);
      } else pre = await fitPreprocessor(c, config, staged.tables.train!.table);
      const tmp = tempPath(dir);
      mkdirSync(tmp, { recursive: true });
      try {
        const preprocessor = new Preprocessor(pre);
        for (const line of coverageLines(preprocessor)) progress({ stage: 'fit', message: line });
        preprocessor.save(join(tmp, 'preprocess.json'));
        const splits: Partial<Record<SplitName, SplitManifest>> = {};
        for (const s of SPLITS) {
          const table = staged.tables[s];
          if (!table) continue;
          let rows = 0;
          splits[s] = await encodeTable(c, table, pre, join(tmp, s), {
            withLabels: true,
            onChunk: (n) => {
              rows += n;
              if (rows % 262144 < n)
                progress({ stage: 'encode', split: s, rows, message: `encoding ${s}: ${rows} rows` });
            },
          });
          await c.run(`DROP ${table.view ? 'VIEW' : 'TABLE'} ${table.table}`);
        }
        const manifest: CacheManifest = {
          version: CACHE_VERSION,
          key,
          createdAt: new Date().toISOString(),
          sources: sources.map(({ path, size, mtimeMs }) => ({ path, size, mtimeMs })),
          splits,
          badRows: staged.badRows,
          files: fingerprintEntry(tmp),
        };
        const published = publishCache(tmp, dir, manifest, opts.useCache === false);
        progress({ stage: 'done', message: `encoded into ${dir}` });
        // Another process published the same entry first: its arrays go with its own fitted vocabularies.
        const fitted = published === manifest ? preprocessor : Preprocessor.load(join(dir, 'preprocess.json'));
        return { dir, manifest: published, preprocessor: fitted, report: report(published, dir, false, start) };
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true });
        throw e;
      }
    },
    { threads: opts.threads },
  );
}

/** Encode (or reuse the cache) and load train/valid/test into memory. */
export async function prepareData(config: ExperimentConfig, opts: PrepareOptions = {}): Promise<PreparedData> {
  const start = performance.now();
  const encoded = await encodeData(config, opts);
  const load = loader(config, encoded, opts);
  const out = { ...encoded, train: load('train'), valid: load('valid'), test: load('test') };
  out.report.seconds = (performance.now() - start) / 1000;
  return out;
}

export interface TrainingData extends EncodedData {
  train: EncodedSplit | StreamedSplit;
  valid: EncodedSplit;
  test: EncodedSplit;
}

/** prepareData for training: a training split above data.memoryLimitMb is streamed from the cache, not refused. */
export async function prepareTrainingData(config: ExperimentConfig, opts: PrepareOptions = {}): Promise<TrainingData> {
  const start = performance.now();
  const encoded = await encodeData(config, opts);
  const load = loader(config, encoded, opts);
  const m = encoded.manifest.splits.train!;
  const mb = splitBytes(m) / 2 ** 20;
  let train: EncodedSplit | StreamedSplit;
  if (mb > config.data.memoryLimitMb) {
    opts.onProgress?.({
      stage: 'load',
      split: 'train',
      rows: m.rows,
      message: `streaming train (${m.rows} rows, ${mb.toFixed(0)} MB > data.memoryLimitMb = ${config.data.memoryLimitMb}) from ${encoded.dir}`,
    });
    train = openStreamedSplit(encoded, 'train');
  } else train = load('train');
  const out = { ...encoded, train, valid: load('valid'), test: load('test') };
  out.report.seconds = (performance.now() - start) / 1000;
  return out;
}

/** Loads a split into memory, refusing one above data.memoryLimitMb. */
function loader(config: ExperimentConfig, encoded: EncodedData, opts: PrepareOptions): (s: SplitName) => EncodedSplit {
  return (s) => {
    const m = encoded.manifest.splits[s];
    if (!m) return emptySplit(encoded.manifest.splits.train!);
    const mb = splitBytes(m) / 2 ** 20;
    if (mb > config.data.memoryLimitMb) {
      throw new MtrankError(
        `${s} split needs ${mb.toFixed(0)} MB in memory, above data.memoryLimitMb = ${config.data.memoryLimitMb}; raise the limit${s === 'train' ? ' or stream it (mtrank train does; in code: prepareTrainingData, or encodeData + streamBatches)' : ' (only the training split can be streamed)'}`,
      );
    }
    opts.onProgress?.({ stage: 'load', split: s, rows: m.rows, message: `loading ${s} (${m.rows} rows)` });
    return loadSplit(join(encoded.dir, s), m);
  };
}

/** A split with no rows but the same columns (an unconfigured valid or test). */
export function emptySplit(like: SplitManifest): EncodedSplit {
  return {
    rows: 0,
    categorical: like.categorical.map((c) => ({
      name: c.name,
      ids: new Int32Array(0),
      vocabSize: c.vocabSize,
      dim: c.dim,
    })),
    multi: like.multi.map((x) => ({
      name: x.name,
      offsets: new Int32Array(1),
      ids: new Int32Array(0),
      vocabSize: x.vocabSize,
      dim: x.dim,
      pooling: x.pooling,
    })),
    dense: new Float32Array(0),
    denseNames: like.denseNames,
    labels: Object.fromEntries(like.labels.map((l) => [l.task, new Uint8Array(0)])),
    ...(like.group ? { group: new Int32Array(0) } : {}),
    ...(like.item ? { item: new Int32Array(0) } : {}),
  };
}

/**
 * The cache key for encoding with given encoders: the ordinary entry's when it was fitted to exactly these
 * (the usual case: the run's own training data, unchanged), else one of its own.
 */
function fittedKey(cacheRoot: string, key: string, fitted: PreprocessJson | undefined): string {
  if (!fitted) return key;
  const text = JSON.stringify(fitted);
  const own = join(cacheRoot, key, 'preprocess.json');
  if (existsSync(own) && readFileSync(own, 'utf8') === text) return key;
  return `${key}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

/** Every file the config reads (data sources and pretrained vector files): what a run is bound to. */
export async function dataSourcePaths(config: ExperimentConfig): Promise<string[]> {
  const files = await listSources(config);
  return [...files.map((f) => f.path), ...pretrainedFileStats(config).map((f) => f.path)];
}

/** The config's source files; DuckDB (a native module, slow to load) is started only to expand a glob. */
async function listSources(config: ExperimentConfig): Promise<SourceFile[]> {
  const d = config.data;
  const sources = [d.source, d.train, d.valid, d.test].filter((s) => s !== undefined);
  const expand = async (c?: DuckDBConnection) => {
    const files: SourceFile[] = [];
    for (const src of sources) files.push(...(await expandSource(c, src, d)));
    return files;
  };
  return sources.some(hasGlob) ? withConnection(expand, { threads: 1 }) : expand();
}

function report(m: CacheManifest, dir: string, cached: boolean, start: number): DataReport {
  const rows = Object.fromEntries(SPLITS.map((s) => [s, m.splits[s]?.rows ?? 0])) as Record<SplitName, number>;
  return {
    cached,
    dir,
    rows,
    badRows: m.badRows,
    seconds: (performance.now() - start) / 1000,
    sources: m.sources.map((s) => s.path),
  };
}
