import { describe, expect, it } from 'vitest';
import { initFromPretrained, describeCoverage } from '../../src/features/vector-init.js';
import { MtrankError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

// Vocabulary: 0 = OOV, a=1, b=2, c=3, d=4. File: b, d, x, y (x, y unknown to the vocabulary).
const vocab = new Map([
  ['a', 1],
  ['b', 2],
  ['c', 3],
  ['d', 4],
]);
const file = { tokens: ['b', 'x', 'd', 'y'], dim: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) };

describe('initFromPretrained', () => {
  it('copies covered rows, reports coverage, leaves the vocabulary alone without extendVocab', () => {
    const r = initFromPretrained(vocab, 5, file, { dim: 2, rng: new Rng(1) });
    expect(r.vocabSize).toBe(5);
    expect(Array.from(r.data.subarray(4, 6))).toEqual([1, 2]); // b
    expect(Array.from(r.data.subarray(8, 10))).toEqual([5, 6]); // d
    expect(Array.from(r.fromFile)).toEqual([0, 0, 1, 0, 1]);
    expect(r.coverage).toEqual({
      vocabulary: 4,
      covered: 2,
      fraction: 0.5,
      fileTokens: 4,
      outsideVocabulary: 2,
      extended: 0,
    });
    expect(r.vocab.size).toBe(4);
    // OOV row = mean of the file's vectors.
    expect(Array.from(r.data.subarray(0, 2))).toEqual([4, 5]);
    // Uncovered rows are random, non-zero, on the file's scale.
    expect(r.data[2]).not.toBe(0);
    expect(describeCoverage('item_id', r.coverage)).toMatch(/2\/4 vocabulary entries \(50\.0%\)/);
  });
  it('extendVocab appends the file-only tokens with their vectors', () => {
    const r = initFromPretrained(vocab, 5, file, { dim: 2, rng: new Rng(1), extendVocab: true });
    expect(r.vocabSize).toBe(7);
    expect(r.extended).toEqual(['x', 'y']);
    expect(r.vocab.get('x')).toBe(5);
    expect(r.vocab.get('y')).toBe(6);
    expect(Array.from(r.data.subarray(10, 14))).toEqual([3, 4, 7, 8]);
    expect(r.coverage.extended).toBe(2);
    expect(r.coverage.covered).toBe(2); // coverage counts the training vocabulary only
    expect(vocab.has('x')).toBe(false); // input map untouched
  });
  it('dimension mismatch is an MtrankError naming the file', () => {
    expect(() => initFromPretrained(vocab, 5, file, { dim: 3, rng: new Rng(1), file: 'v.vec' })).toThrow(
      new MtrankError("v.vec, line 1: vectors have dimension 2 but the feature's embeddingDim is 3"),
    );
  });
});
