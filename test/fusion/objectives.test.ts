import { describe, expect, it } from 'vitest';
import {
  OBJECTIVES,
  objectiveGrouped,
  objectiveLabel,
  objectiveTasks,
  objectiveValue,
  parseObjective,
} from '../../src/fusion/objectives.js';
import { MtrankError } from '../../src/util/errors.js';

describe('fusion objectives table', () => {
  const metrics = new Float64Array([0.7, 0.8, 0.9, 0.65]); // AUC of click, cart, order; then GAUC
  const index = (t: string) => ['click', 'cart', 'order'].indexOf(t);

  it('parses the CLI and config forms to the same objective, and the label parses back', () => {
    for (const [spec, config] of [
      ['auc:order', { type: 'auc', task: 'order' }],
      ['gauc(click)', { type: 'gauc', task: 'click' }],
      ['weighted-auc:click=1,order=2', { type: 'weighted-auc', weights: { click: 1, order: 2 } }],
    ] as const) {
      const o = parseObjective(spec);
      expect(o).toEqual(parseObjective({ ...config }));
      expect(parseObjective(objectiveLabel(o))).toEqual(o);
    }
  });

  it('values match a hand computation; only GAUC needs groups', () => {
    expect(objectiveValue(parseObjective('auc:cart'), metrics, index)).toBe(0.8);
    expect(objectiveValue(parseObjective('gauc:click'), metrics, index)).toBe(0.65);
    expect(objectiveValue(parseObjective('weighted-auc:click=1,order=2'), metrics, index)).toBeCloseTo(0.7 + 1.8, 12);
    expect(Object.keys(OBJECTIVES).filter((t) => objectiveGrouped(parseObjective(`${t}:click=1`)))).toEqual([
      'gauc',
      'value-ndcg',
    ]);
    expect(objectiveTasks(parseObjective('weighted-auc:click=1,order=2'))).toEqual(['click', 'order']);
  });

  it('names the accepted types on a bad spec', () => {
    expect(() => parseObjective('ndcg:order')).toThrow(MtrankError);
    expect(() => parseObjective('ndcg:order')).toThrow(/types: auc, gauc, weighted-auc/);
    expect(() => parseObjective({ type: 'auc' })).toThrow(/fusion.objective/);
  });
});
