// The Deploy box stays within a terminal's width: a long warning wraps at spaces inside the box, losing no word.
import { describe, expect, it } from 'vitest';
import { deployBox, type Deploy } from '../../src/fusion/deploy.js';

const long =
  'bootstrap: chose rank 3, statistically tied with the point-best on the objective (200 paired resamples; 95% intervals [0.4516, 0.7376] vs [0.4506, 0.7381]) and 0.0007 AUC cheaper for the other tasks';
const deploy: Deploy = {
  form: 'linear',
  weights: { click: 0.8, order: 0.2 },
  formula: 'score = 0.8·p_click + 0.2·p_order',
  changes: { click: { valid: -0.0043, test: -0.0001 }, order: { valid: 0.001, test: 0.002 } },
  positives: { valid: { click: 576, order: 12 }, test: { click: 621, order: 18 } },
  warnings: [long, 'short one'],
};

describe('deployBox', () => {
  it('wraps a long warning inside a box at most 110 characters of text wide, keeping every word in order', () => {
    const box = deployBox(deploy, ['click', 'order']).split('\n');
    const widths = new Set(box.map((l) => l.length));
    expect(widths.size).toBe(1); // a closed rectangle
    expect(box[0]!.length).toBeLessThanOrEqual(110 + 4);
    const inner = box.slice(1, -1).map((l) => l.slice(2, -1).trimEnd());
    const start = inner.findIndex((l) => l.startsWith('    ! bootstrap:'));
    const end = inner.findIndex((l) => l.startsWith('    ! short one'));
    expect(end - start).toBeGreaterThan(1); // wrapped onto more than one line
    for (const l of inner.slice(start + 1, end)) expect(l).toMatch(/^ {8}\S/); // continuation: indented past "! "
    const words = inner.slice(start, end).join(' ').replace(/^ *! /, '').split(/\s+/).filter(Boolean);
    expect(words).toEqual(long.split(' '));
  });

  it('leaves a box of short lines as wide as its longest line', () => {
    const box = deployBox({ ...deploy, warnings: [] }, ['click', 'order']).split('\n');
    const inner = box.slice(1, -1).map((l) => l.slice(2, -1).trimEnd());
    expect(box[0]!.length).toBe(Math.max(...inner.map((l) => l.length)) + 4);
    expect(inner).toContain('  no warnings');
  });
});
