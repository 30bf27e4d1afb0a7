import { describe, expect, it } from 'vitest';
import { configJsonSchema, parseConfig } from '../../src/config/index.js';
import { closestKey, validKeysAt } from '../../src/config/suggest.js';
import { experimentConfig } from '../../src/config/schema.js';
import { MtrankError } from '../../src/util/errors.js';

const base = { data: { train: 'a.csv' }, features: { u: { type: 'categorical' } }, tasks: { click: { label: 'y' } } };
const errorOf = (set: string[], raw: object = base): string => {
  try {
    parseConfig(raw, set);
  } catch (e) {
    expect(e).toBeInstanceOf(MtrankError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${set.join(' ')}`);
};

describe('strict config', () => {
  it.each([
    [['training.epoch=1'], 'training', 'epoch', 'epochs'],
    [['modle.type=mmoe'], '(top level)', 'modle', 'model'],
    [['training.lossWeighting.method=pcgrad', 'training.lossWeighting.sed=3'], 'training.lossWeighting', 'sed', 'seed'],
    [['fusion.serch=grid'], 'fusion', 'serch', 'search'],
    [['features.u.embedingDim=3'], 'features.u', 'embedingDim', 'embeddingDim'],
    [['training.optimizer.lrr=0.1'], 'training.optimizer', 'lrr', 'lr'],
    [['model.experts=2', 'model.expert_hidden=[8]'], 'model', 'expert_hidden', 'expertHidden'],
  ])('--set %j names the unknown key and the closest valid one', (set, path, key, near) => {
    expect(errorOf(set)).toContain(`${path}: unknown key '${key}' (did you mean '${near}'?)`);
  });

  it('a method key typed wrong, and unknown enum values, are errors naming the path', () => {
    const withStatic = { ...base, training: { lossWeighting: { method: 'static' } } };
    expect(errorOf(['training.lossWeighting.methd=pcgrad'], withStatic)).toMatch(
      /training\.lossWeighting: unknown key 'methd' \(did you mean 'method'\?\)/,
    );
    expect(errorOf(['training.lossWeighting.method=foo'])).toMatch(/training\.lossWeighting/);
    expect(errorOf(['model.type=mmoee'])).toMatch(/model\.type: .*shared-bottom/);
    expect(errorOf(['fusion.objective.type=ndcg'])).toMatch(/fusion\.objective\.type/);
  });

  it('loss-weighting options are validated with the config, with their defaults filled in', () => {
    const c = parseConfig(base, ['training.lossWeighting.method=dwa']);
    expect(c.training.lossWeighting).toEqual({ method: 'dwa', temperature: 2, window: 100 });
  });

  it('finds keys through records, unions and defaults; suggests only near keys', () => {
    expect(validKeysAt(experimentConfig, ['tasks', 'anything'])).toEqual(
      expect.arrayContaining(['label', 'labelWeight', 'lossWeight', 'dependsOn']),
    );
    expect(validKeysAt(experimentConfig, ['training', 'lossWeighting'])).toEqual(
      expect.arrayContaining(['method', 'temperature', 'bounds', 'seed']),
    );
    expect(closestKey('epoch', ['epochs', 'batchSize'])).toBe('epochs');
    expect(closestKey('zzzzzz', ['epochs', 'batchSize'])).toBeUndefined();
  });

  it('the JSON schema has no open section and describes the options', () => {
    const text = JSON.stringify(configJsonSchema());
    expect(text).not.toContain('"additionalProperties":true');
    const open: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.type === 'object' && n.properties && n.additionalProperties !== false) open.push(path);
      for (const [k, v] of Object.entries(n)) walk(v, `${path}/${k}`);
    };
    walk(configJsonSchema(), '#');
    expect(open).toEqual([]);
    expect(text).toContain('knob 2');
  });
});
