// The fused score in `mtrank export`'s summary line: the weights as a person reads them, not float noise.
import { describe, expect, it } from 'vitest';
import { fusedScoreText } from '../../src/cli/commands/export.js';

describe('fusedScoreText', () => {
  it('prints weights to 6 significant digits', () => {
    // 0.875 + 0.125 from a normalisation that leaves 0.12500000000000003 in fusion.json
    expect(
      fusedScoreText({ form: 'linear', weights: { click: 0.875, cart: 0.1 + 0.025000000000000022, order: 0 } }),
    ).toBe('score = linear fusion (click=0.875, cart=0.125, order=0)');
    expect(fusedScoreText({ form: 'product', weights: { click: 1 / 3, order: 2 / 3 } })).toBe(
      'score = product fusion (click=0.333333, order=0.666667)',
    );
  });

  it('says how to get a fused score when the run has none', () => {
    expect(fusedScoreText(null)).toMatch(/^no fused score \(the run has no fusion\.json; pass --fusion/);
  });
});
