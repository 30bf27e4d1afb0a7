/**
 * Pretrained vectors of categorical features, on the data side.
 *  - At fit time (`attachPretrained`): read the file, append the tokens only it knows to the vocabulary
 *    (extendVocab), record the coverage and which file was used (path, SHA-256) in the fitted feature.
 *  - At training time (`pretrainedInit`): rebuild the initial embedding table from the file, the fitted
 *    (possibly extended) vocabulary and the run's seed. The table is not stored: preprocess.json stays small,
 *    the cache entry does not depend on the seed, and the SHA-256 check makes sure the table comes from the
 *    very file the vocabulary was extended with.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { ExperimentConfig, PretrainedConfig } from '../config/schema.js';
import { describeCoverage, initFromPretrained, type PretrainedCoverage, type PretrainedInit } from './vector-init.js';
import { parseVectors, type WordVectors } from './word2vec-io.js';
import { MtrankError, placeMessage } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { FittedCategorical } from './kinds/categorical.js';
import type { Preprocessor } from './preprocessor.js';

/** What preprocess.json records about a feature's pretrained vectors. */
export interface FittedPretrained {
  /** Absolute path of the vector file. */
  path: string;
  format: PretrainedConfig['format'];
  /** SHA-256 of the file the vocabulary was fitted with. */
  sha256: string;
  /** Vocabulary entries fitted on the training split; vocab[trainedVocab..] were appended from the file. */
  trainedVocab: number;
  coverage: PretrainedCoverage;
  /**
   * Items appended after training with an inductive GraphSAGE vector (`export --interactions`): the last `items`
   * vocabulary entries, and the log (absolute path, SHA-256) they came from.
   */
  inductive?: { items: number; log: string; sha256: string };
}

export type PretrainedFeature = FittedCategorical & { vocab: string[]; pretrained: FittedPretrained };

/**
 * Extends `f.vocab` in place with the file's tokens outside it (when `p.extendVocab`) and records the file in
 * `f.pretrained`. Returns the appended tokens (their ids follow the training vocabulary's).
 */
export function attachPretrained(f: FittedCategorical, p: PretrainedConfig): string[] {
  if (!f.vocab)
    throw new MtrankError(`features.${f.name}: a hashed feature (hashBuckets) cannot take pretrained vectors`);
  const { vectors, sha256 } = readFeatureVectors(f.name, p.path, p.format, f.dim);
  const trainedVocab = f.vocab.length;
  // The uncovered rows' random draws are not kept here; pretrainedInit redraws them from the run's seed.
  const init = initFromPretrained(vocabMap(f.vocab), trainedVocab + 1, vectors, {
    dim: f.dim,
    rng: new Rng(0),
    extendVocab: p.extendVocab,
    file: p.path,
  });
  f.vocab.push(...init.extended);
  f.pretrained = { path: p.path, format: p.format, sha256, trainedVocab, coverage: init.coverage };
  return init.extended;
}

/**
 * The initial table of a pretrained feature: file rows where the vocabulary has them, N(0, s²) draws from
 * `new Rng(seed).fork('pretrained/<name>')` elsewhere, the mean vector in the OOV row 0; all scaled to an RMS
 * coordinate of `rescale` when given. Its rows match the
 * fitted vocabulary (appended tokens included), i.e. the model's table.
 */
export function pretrainedInit(f: PretrainedFeature, seed: number, rescale?: number): PretrainedInit {
  const p = f.pretrained;
  const { vectors, sha256 } = readFeatureVectors(f.name, p.path, p.format, f.dim);
  if (sha256 !== p.sha256) {
    throw new MtrankError(
      `${p.path}: the vector file of feature '${f.name}' changed since the data was encoded (SHA-256 ${sha256.slice(0, 12)}…, encoded with ${p.sha256.slice(0, 12)}…); run again to re-encode`,
    );
  }
  const appended = f.vocab.slice(p.trainedVocab, f.vocab.length - (p.inductive?.items ?? 0));
  const init = initFromPretrained(vocabMap(f.vocab.slice(0, p.trainedVocab)), p.trainedVocab + 1, vectors, {
    dim: f.dim,
    rng: new Rng(seed).fork(`pretrained/${f.name}`),
    extendVocab: appended.length > 0,
    file: p.path,
    rms: rescale,
  });
  if (init.extended.length !== appended.length || init.extended.some((t, k) => t !== appended[k])) {
    throw new Error(`pretrained '${f.name}': the file's extra tokens differ from the appended vocabulary`);
  }
  return init;
}

/** The fitted features that carry pretrained vectors (model inputs only). */
export function pretrainedFeatures(pre: Preprocessor): PretrainedFeature[] {
  return pre.categoricalFeatures.filter(
    (f): f is PretrainedFeature => f.kind === 'categorical' && f.pretrained !== undefined && f.vocab !== undefined,
  );
}

/** One line per pretrained feature (`describeCoverage`), for the progress log. */
export function coverageLines(pre: Preprocessor): string[] {
  return pretrainedFeatures(pre).map((f) => describeCoverage(f.name, f.pretrained.coverage));
}

/** Path, size and mtime of every configured vector file: part of the encoded-data cache key. */
export function pretrainedFileStats(config: ExperimentConfig): { path: string; size: number; mtimeMs: number }[] {
  const out: { path: string; size: number; mtimeMs: number }[] = [];
  for (const [name, f] of Object.entries(config.features)) {
    if (f.type !== 'categorical' || !f.pretrained) continue;
    let st;
    try {
      st = statSync(f.pretrained.path);
    } catch {
      throw new MtrankError(`${f.pretrained.path}: file not found (features.${name}.pretrained.path)`);
    }
    out.push({ path: f.pretrained.path, size: st.size, mtimeMs: st.mtimeMs });
  }
  return out;
}

/**
 * Where each encoded id of a feature gets its vector: trained row, row appended from the vector file, row
 * appended with an inductive vector after training, or the OOV row.
 */
export function vectorSources(
  f: FittedCategorical,
  ids: Int32Array,
): { trained: number; pretrained: number; inductive: number; oov: number } {
  const trainedRows = (f.pretrained?.trainedVocab ?? f.vocab?.length ?? Infinity) + 1;
  const firstInductive = inductiveFrom(f);
  const out = { trained: 0, pretrained: 0, inductive: 0, oov: 0 };
  for (const id of ids) {
    if (id === 0) out.oov++;
    else if (id < trainedRows) out.trained++;
    else if (id < firstInductive) out.pretrained++;
    else out.inductive++;
  }
  return out;
}

/** The first id of the feature's inductive rows (Infinity without any). */
export function inductiveFrom(f: FittedCategorical): number {
  const n = f.pretrained?.inductive?.items ?? 0;
  return n > 0 ? f.vocab!.length - n + 1 : Infinity;
}

function readFeatureVectors(
  name: string,
  path: string,
  format: PretrainedConfig['format'],
  dim: number,
): { vectors: WordVectors; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new MtrankError(
      `${path}: cannot read the pretrained vectors of feature '${name}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const vectors = parseVectors(bytes, path, { format });
  if (vectors.dim !== dim) {
    throw new MtrankError(
      placeMessage(
        { file: path, line: 1 },
        `vectors have dimension ${vectors.dim} but features.${name}.embeddingDim is ${dim}`,
      ),
    );
  }
  return { vectors, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const vocabMap = (vocab: readonly string[]) => new Map(vocab.map((t, i) => [t, i + 1]));
