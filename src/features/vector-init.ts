// Maps pretrained vectors onto a feature's vocabulary: the initial embedding table, a coverage report, and
// optionally a vocabulary extended with the tokens only the pretrained file knows (so they are not cold at
// inference). Index 0 is the out-of-vocabulary row, as everywhere in mtrank.
import { MtrankError, placeMessage } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import type { WordVectors } from './word2vec-io.js';

export interface PretrainedCoverage {
  /** Vocabulary entries excluding the OOV row. */
  vocabulary: number;
  /** Vocabulary entries that received a pretrained vector. */
  covered: number;
  /** covered / vocabulary (0 for an empty vocabulary). */
  fraction: number;
  /** Vectors in the file. */
  fileTokens: number;
  /** File tokens outside the training vocabulary. */
  outsideVocabulary: number;
  /** Of those, appended to the vocabulary (extendVocab). */
  extended: number;
}

export interface PretrainedInit {
  /** (vocabSize + extended.length) × dim, row-major; ready for an EmbeddingTable's data. */
  data: Float32Array;
  dim: number;
  /** The token → index map, including the appended tokens when extendVocab (a new Map; the input is not changed). */
  vocab: Map<string, number>;
  /** Rows in `data` (= original vocabSize + extended.length). */
  vocabSize: number;
  /** Tokens appended at indices originalVocabSize, originalVocabSize+1, ... */
  extended: string[];
  /** 1 where the row was copied from the file. */
  fromFile: Uint8Array;
  coverage: PretrainedCoverage;
}

export interface InitOptions {
  /** Feature's embeddingDim; a different file dimension is an error. */
  dim: number;
  /** Append the file's tokens that the vocabulary lacks. */
  extendVocab?: boolean;
  /** For rows the file does not cover. */
  rng: Rng;
  /** Names the file in errors. */
  file?: string;
  /** Scale the file's vectors so their root-mean-square coordinate is this (config `pretrained.rescale`). */
  rms?: number;
}

/**
 * Rows the file covers get their vector (times rms / the file's RMS coordinate, with `rms`). Uncovered rows are drawn from N(0, s²), s = the pretrained vectors'
 * root-mean-square per coordinate, so covered and uncovered rows live on one scale. The OOV row 0 starts at the
 * mean pretrained vector — the best guess for an item we know nothing about — and is then trained as usual.
 * `vocab` maps token → index in [1, vocabSize); vocabSize counts the OOV row.
 */
export function initFromPretrained(
  vocab: ReadonlyMap<string, number>,
  vocabSize: number,
  vectors: WordVectors,
  options: InitOptions,
): PretrainedInit {
  const { dim } = options;
  if (vectors.dim !== dim) {
    throw new MtrankError(
      placeMessage(
        { file: options.file, line: 1 },
        `vectors have dimension ${vectors.dim} but the feature's embeddingDim is ${dim}`,
      ),
    );
  }
  const outside: number[] = [];
  for (let r = 0; r < vectors.tokens.length; r++) if (!vocab.has(vectors.tokens[r]!)) outside.push(r);
  const extended = options.extendVocab ? outside.map((r) => vectors.tokens[r]!) : [];
  const rows = vocabSize + extended.length;
  const data = new Float32Array(rows * dim);
  const fromFile = new Uint8Array(rows);
  const map = new Map(vocab);
  extended.forEach((t, k) => map.set(t, vocabSize + k));

  const mean = new Float64Array(dim);
  let sumSq = 0;
  for (let i = 0; i < vectors.data.length; i++) {
    mean[i % dim]! += vectors.data[i]!;
    sumSq += vectors.data[i]! ** 2;
  }
  const n = vectors.tokens.length;
  const fileScale = n ? Math.sqrt(sumSq / (n * dim)) : 1 / Math.sqrt(dim);
  // One factor for every vector keeps their geometry (cosines, relative norms) and only moves the scale.
  const factor = options.rms !== undefined && fileScale > 0 ? options.rms / fileScale : 1;
  const scale = fileScale * factor;

  let covered = 0;
  for (let r = 0; r < n; r++) {
    const index = map.get(vectors.tokens[r]!);
    if (index === undefined) continue;
    if (index <= 0 || index >= rows)
      throw new Error(`vocabulary index ${index} of '${vectors.tokens[r]}' outside [1, ${rows})`);
    for (let c = 0; c < dim; c++) data[index * dim + c] = vectors.data[r * dim + c]! * factor;
    fromFile[index] = 1;
    if (index < vocabSize) covered++;
  }
  for (let row = 1; row < rows; row++) {
    if (fromFile[row]) continue;
    for (let c = 0; c < dim; c++) data[row * dim + c] = options.rng.normal() * scale;
  }
  for (let c = 0; c < dim; c++) data[c] = n ? (mean[c]! / n) * factor : 0;

  const vocabulary = vocabSize - 1;
  return {
    data,
    dim,
    vocab: map,
    vocabSize: rows,
    extended,
    fromFile,
    coverage: {
      vocabulary,
      covered,
      fraction: vocabulary > 0 ? covered / vocabulary : 0,
      fileTokens: n,
      outsideVocabulary: outside.length,
      extended: extended.length,
    },
  };
}

export function describeCoverage(feature: string, c: PretrainedCoverage): string {
  const pct = (100 * c.fraction).toFixed(1);
  const ext = c.extended
    ? `, ${c.extended} appended to the vocabulary`
    : c.outsideVocabulary
      ? ' (not appended: extendVocab is off)'
      : '';
  return (
    `${feature}: ${c.covered}/${c.vocabulary} vocabulary entries (${pct}%) have a pretrained vector; ` +
    `${c.outsideVocabulary} of ${c.fileTokens} file vectors are outside the training vocabulary${ext}`
  );
}
