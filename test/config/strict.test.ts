import { describe, expect, it } from 'vitest';
import { configJsonSchema, parseConfig, type ConfigOverride } from '../../src/config/index.js';
import { closestName, validKeysAt } from '../../src/config/suggest.js';
import { experimentConfig } from '../../src/config/schema.js';
import { MtrankError } from '../../src/util/errors.js';

const base = { data: { train: 'a.csv' }, features: { u: { type: 'categorical' } }, tasks: { click: { label: 'y' } } };
const errorOf = (set: ConfigOverride[], raw: object = base): string => {
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
    [['training.epoch=1'], 'epoch', 'epochs'],
    [['modle.type=mmoe'], 'modle', 'model'],
    [['training.lossWeighting.method=pcgrad', 'training.lossWeighting.sed=3'], 'sed', 'seed'],
    [['fusion.serch=grid'], 'serch', 'search'],
    [['features.u.embedingDim=3'], 'embedingDim', 'embeddingDim'],
    [['training.optimizer.lrr=0.1'], 'lrr', 'lr'],
    [['model.experts=2', 'model.expert_hidden=[8]'], 'expert_hidden', 'expertHidden'],
  ])('--set %j names its argument, the unknown key and the closest valid one', (set, key, near) => {
    expect(errorOf(set)).toContain(`--set ${set.at(-1)}: unknown key '${key}' (did you mean '${near}'?)`);
  });

  it('an unknown key in the file names its path and the closest valid one', () => {
    expect(errorOf([], { ...base, training: { epoch: 1 } })).toContain(
      "  training: unknown key 'epoch' (did you mean 'epochs'?)",
    );
  });

  it('a bad value given by --set names the --set argument, the expected type and the value', () => {
    expect(errorOf(['training.epochs=abc'])).toBe(
      "config: invalid config\n  --set training.epochs=abc: expected a number, got 'abc'",
    );
    // The same value from the file names its path; a --set elsewhere is not blamed for it.
    expect(errorOf(['training.batchSize=64'], { ...base, training: { epochs: 'abc' } })).toBe(
      "config: invalid config\n  training.epochs: expected a number, got 'abc'",
    );
    // A --set of the whole section is named with the path inside it; the later of two --set wins the blame.
    expect(errorOf(['model={type: mmoe, dropout: x}'])).toContain(
      '--set model={type: mmoe, dropout: x}: model.dropout: expected a number',
    );
    expect(errorOf(['training.epochs=2', 'training.epochs=two'])).toContain(
      '--set training.epochs=two: expected a number',
    );
  });

  it('a sweep names the --grid argument a bad value came from', () => {
    expect(errorOf([{ flag: '--grid', text: 'tasks.click.lossWeight=heavy' }])).toContain(
      "--grid tasks.click.lossWeight=heavy: expected a number, got 'heavy'",
    );
    expect(() => parseConfig(base, [{ flag: '--grid', text: 'noequals' }])).toThrow(
      /^--grid noequals: expected key\.path=value/,
    );
  });

  it.each([
    ['model.type=shared-botom', 'shared-bottom'],
    ['model.type=mmeo', 'mmoe'],
    ['training.lossWeighting.method=uncertanty', 'uncertainty'],
    ['training.lossWeighting.method=gradnrom', 'gradnorm'],
    ['fusion.search=gird', 'grid'],
    ['fusion.form=linaer', 'linear'],
    ['fusion.objective.type=acu', 'auc'],
    ['features.u.type=numerc', 'numeric'],
    ['data.split.method=tme', 'time'],
  ])('--set %s: an enum value typed wrong gets a did-you-mean', (set, near) => {
    const value = set.slice(set.indexOf('=') + 1);
    expect(errorOf([set])).toMatch(
      new RegExp(`--set ${set}: expected one of .*${near}.*, got '${value}' \\(did you mean '${near}'\\?\\)`),
    );
  });

  it('a value far from every option gets the options but no guess', () => {
    const m = errorOf(['model.type=xx']);
    expect(m).toContain("--set model.type=xx: expected one of shared-bottom, single-task, mmoe, ple, esmm, got 'xx'");
    expect(m).not.toContain('did you mean');
  });

  it('a method key typed wrong, and unknown enum values, are errors naming the path', () => {
    const withStatic = { ...base, training: { lossWeighting: { method: 'static' } } };
    expect(errorOf(['training.lossWeighting.methd=pcgrad'], withStatic)).toMatch(
      /--set training\.lossWeighting\.methd=pcgrad: unknown key 'methd' \(did you mean 'method'\?\)/,
    );
    expect(errorOf(['training.lossWeighting.method=foo'])).toMatch(/training\.lossWeighting/);
    expect(errorOf(['model.type=mmoee'])).toMatch(/model\.type=mmoee: .*shared-bottom/);
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
    expect(closestName('epoch', ['epochs', 'batchSize'])).toBe('epochs');
    expect(closestName('zzzzzz', ['epochs', 'batchSize'])).toBeUndefined();
    // A swap of neighbours is one edit; a two-letter word two edits away shares nothing with it.
    expect(closestName('mmeo', ['mmoe', 'ple'])).toBe('mmoe');
    expect(closestName('xx', ['fm', 'dot'])).toBeUndefined();
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
