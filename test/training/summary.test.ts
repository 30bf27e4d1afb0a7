// The CLI's test table: the oracle column the demo prints beside the model's test AUC.
import { describe, it, expect } from 'vitest';
import { formatTestTable } from '../../src/app/summary.js';
import type { RunSummary } from '../../src/training/run.js';

const summary = {
  dir: 'runs/x',
  result: {
    steps: 10,
    totalSteps: 10,
    stoppedEarly: false,
    bestStep: 10,
    skippedBatches: 0,
    labelWeights: { click: 1, order: 250 },
  },
  metrics: { trainExamplesPerSec: 1000, peakRssMb: 100, bestStep: { click: 10, order: 8 } },
  test: {
    click: { auc: 0.7012, gauc: 0.6, logloss: 0.3, meanPred: 0.1, labelRate: 0.1 },
    order: { auc: 0.8123, gauc: NaN, logloss: 0.01, meanPred: 0.002, labelRate: 0.001 },
  },
} as unknown as RunSummary;

describe('test table', () => {
  it("puts the oracle AUC of each task beside the model's", () => {
    const lines = formatTestTable(summary, { click: 0.73491, order: 0.92 }).split('\n');
    expect(lines[1]).toMatch(/^test split, the weights of the best step \(10\)/);
    const head = lines[2].split(/\s+/);
    expect(head).toContain('oracle');
    const cell = (task: string, col: string) => lines.find((l) => l.startsWith(task))!.split(/\s+/)[head.indexOf(col)];
    expect(cell('click', 'auc')).toBe('0.7012');
    expect(cell('click', 'oracle')).toBe('0.7349');
    expect(cell('order', 'oracle')).toBe('0.9200');
    expect(formatTestTable(summary).split('\n')[2]).toContain('labelWeight');
    expect(formatTestTable(summary).split('\n')[2]).not.toContain('oracle');
  });
});
