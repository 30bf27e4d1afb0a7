// `mtrank predict`'s per-feature line: only the vector sources the run has, each counted.
import { describe, expect, it } from 'vitest';
import { vectorSourceLine } from '../../src/app/predict.js';

describe('vectorSourceLine', () => {
  it('leaves out the kinds of vector a run has none of', () => {
    expect(vectorSourceLine({ feature: 'item_id', trained: 19831, pretrained: 0, inductive: 0, oov: 169 })).toBe(
      'item_id: 19831 rows with a trained vector, 169 unknown or missing (out-of-vocabulary row)',
    );
  });

  it('counts every kind that occurs, in the order trained, pretrained, inductive, unknown', () => {
    expect(vectorSourceLine({ feature: 'item_id', trained: 812, pretrained: 97, inductive: 41, oov: 3 })).toBe(
      'item_id: 812 rows with a trained vector, 97 with a pretrained-only vector, 41 new with an inductive GraphSAGE vector, 3 unknown or missing (out-of-vocabulary row)',
    );
  });

  it('says "1 row" for a single row', () => {
    expect(vectorSourceLine({ feature: 'item_id', trained: 1, pretrained: 0, inductive: 0, oov: 0 })).toBe(
      'item_id: 1 row with a trained vector, 0 unknown or missing (out-of-vocabulary row)',
    );
  });
});
