// The --quiet / non-TTY progress line: every figure says what it is.
import { describe, it, expect } from 'vitest';
import { logProgress } from '../../src/training/progress.js';

describe('log progress', () => {
  it('labels the loss as the training loss and the per-task figures as validation AUC', () => {
    const lines: string[] = [];
    const p = logProgress((l) => lines.push(l));
    p.start(10, 0);
    p.eval(2, { click: 0.7 });
    p.step(5, 0.12345);
    p.step(6, NaN);
    p.eval(6, { click: 0.71234, order: NaN });
    expect(lines).toEqual([
      'step 2/10 train loss – | valid AUC click 0.7000',
      'step 6/10 train loss 0.1235 | valid AUC click 0.7123 order –',
    ]);
  });
});
