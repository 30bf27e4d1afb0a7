import { describe, expect, it } from 'vitest';
import { learningRate } from '../../src/training/schedule.js';
import { EarlyStopping } from '../../src/training/early-stopping.js';

describe('learning-rate schedule', () => {
  it('constant stays at the base rate', () => {
    expect(learningRate({ type: 'constant' }, 0.01, 123, 1000)).toBe(0.01);
  });
  it('warm-up rises linearly, then decays to minLr and stays there', () => {
    const s = { type: 'warmup-decay' as const, warmupSteps: 10, decaySteps: 100, minLr: 0.001 };
    expect(learningRate(s, 0.01, 0, 1000)).toBeCloseTo(0.001, 12);
    expect(learningRate(s, 0.01, 9, 1000)).toBeCloseTo(0.01, 12);
    expect(learningRate(s, 0.01, 10, 1000)).toBeCloseTo(0.01, 12);
    expect(learningRate(s, 0.01, 60, 1000)).toBeCloseTo(0.001 + 0.009 * 0.5, 12); // cosine midpoint
    expect(learningRate(s, 0.01, 110, 1000)).toBeCloseTo(0.001, 12);
    expect(learningRate(s, 0.01, 900, 1000)).toBeCloseTo(0.001, 12);
    expect(learningRate({ ...s, decay: 'linear' }, 0.01, 35, 1000)).toBeCloseTo(0.001 + 0.009 * 0.75, 12);
  });
});

describe('early stopping', () => {
  it('stops after patience evaluations without improvement and keeps each task best step', () => {
    const es = new EarlyStopping({ monitor: 'mean-auc', patience: 2 }, ['click', 'order']);
    es.update(100, { click: { auc: 0.6 }, order: { auc: 0.7 } });
    es.update(200, { click: { auc: 0.7 }, order: { auc: 0.65 } }); // mean 0.675 beats 0.65
    expect(es.bestStep).toBe(200);
    es.update(300, { click: { auc: 0.71 }, order: { auc: 0.6 } }); // mean 0.655: worse
    expect(es.shouldStop).toBe(false);
    es.update(400, { click: { auc: 0.72 }, order: { auc: 0.55 } });
    expect(es.shouldStop).toBe(true);
    expect(es.taskBest).toEqual({ click: { step: 400, auc: 0.72 }, order: { step: 100, auc: 0.7 } });
  });
  it('monitors one task and rejects unknown monitors', () => {
    const es = new EarlyStopping({ monitor: 'order-auc' }, ['click', 'order']);
    expect(es.score({ click: { auc: 0.9 }, order: { auc: 0.6 } })).toBe(0.6);
    expect(() => new EarlyStopping({ monitor: 'cart-auc' }, ['click'])).toThrow(/monitor/);
  });
  it("accepts 'valid.<task>.auc' for one task", () => {
    const es = new EarlyStopping({ monitor: 'valid.order.auc', patience: 1 }, ['click', 'order']);
    expect(es.monitor).toBe('order-auc');
    expect(es.score({ click: { auc: 0.9 }, order: { auc: 0.6 } })).toBe(0.6);
    expect(() => new EarlyStopping({ monitor: 'valid.cart.auc' }, ['click'])).toThrow(/valid\.cart\.auc/);
  });
  it("'all-tasks' runs on while any task still reaches a new best, and keeps the best mean AUC", () => {
    const evals = [
      { click: { auc: 0.6 }, order: { auc: 0.7 } },
      { click: { auc: 0.61 }, order: { auc: 0.75 } }, // best mean 0.68
      { click: { auc: 0.62 }, order: { auc: 0.6 } }, // order past its peak, click still rising
      { click: { auc: 0.63 }, order: { auc: 0.6 } },
      { click: { auc: 0.62 }, order: { auc: 0.6 } }, // no task improves: 1
      { click: { auc: 0.62 }, order: { auc: 0.6 } }, // 2 = patience
    ];
    const all = new EarlyStopping({ monitor: 'all-tasks', patience: 2 }, ['click', 'order']),
      mean = new EarlyStopping({ monitor: 'mean-auc', patience: 2 }, ['click', 'order']);
    const stops = (es: EarlyStopping) => evals.findIndex((e, k) => (es.update((k + 1) * 100, e), es.shouldStop));
    expect(stops(mean)).toBe(3); // two evaluations after the best mean
    expect(stops(all)).toBe(5);
    expect(all.bestStep).toBe(200);
    expect(all.taskBest).toEqual({ click: { step: 400, auc: 0.63 }, order: { step: 200, auc: 0.75 } });
    // The counter survives a resume.
    const resumed = new EarlyStopping({ monitor: 'all-tasks', patience: 3 }, ['click', 'order']);
    resumed.load(all.state());
    expect(resumed.sinceTaskBest).toBe(2);
  });
});
