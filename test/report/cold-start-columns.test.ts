// The cold-start table (mtrank evaluate, report.html) shows the positives behind the unseen-item AUC.
import { describe, expect, it } from 'vitest';
import { coldStartColumns, coldStartFromJson } from '../../src/report/cold-start.js';

describe('cold-start columns', () => {
  it('counts the unseen rows positives from their rows and label rate', () => {
    const rows = coldStartFromJson(
      {
        order: {
          seen: { rows: 1321, positives: 2, labelRate: 2 / 1321, auc: 0.58 },
          unseen: { rows: 108, positives: 1, labelRate: 1 / 108, auc: 0.0748 },
        },
        click: { seen: { rows: 1321, auc: 0.54 }, unseen: { rows: 108, auc: 0.48 } },
      },
      ['order', 'click'],
    )!;
    const col = coldStartColumns(rows).find((c) => c.head === 'positives unseen')!;
    expect(col.kind).toBe('rows');
    expect(rows.map((r) => col.value(r))).toEqual([1, undefined]);
  });
});
