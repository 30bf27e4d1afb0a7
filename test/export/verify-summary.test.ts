import { describe, expect, it } from 'vitest';
import { verifySummary } from '../../src/export/verify.js';

describe('verifySummary', () => {
  it('reports the worst output against the tolerance, in words', () => {
    expect(verifySummary({ rows: 5000, maxAbsDiff: { p_click: 1.05e-7, score: 3e-8 } })).toBe(
      `verified with onnxruntime on 5000 sampled rows: model.onnx matches mtrank within 1.05e-7 (tolerance 1e-5; relative where a score exceeds 1)`,
    );
  });
});
