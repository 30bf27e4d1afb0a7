import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { configLoader, loadConfig, parseConfig, parseOverrideValue, configJsonSchema } from '../../src/config/index.js';
import { MtrankError } from '../../src/util/errors.js';

const minimal = {
  data: { train: 'd/train.csv', valid: 'd/valid.csv' },
  features: { user_id: { type: 'categorical' }, price: { type: 'numeric' } },
  tasks: {
    click: { label: 'is_click' },
    order: { label: { column: 'status', positive: ['paid'] }, dependsOn: 'click' },
  },
};

/** A small YAML config in a fresh directory (its relative data path resolves against that directory). */
function smallConfigFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mtrank-cfg-')), 'exp.yaml');
  writeFileSync(
    file,
    `data: { train: d/train.csv }\nfeatures: { u: { type: categorical } }\ntasks: { click: { label: c } }\n`,
  );
  return file;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MtrankError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('config', () => {
  it('a config read once gives each override set what loadConfig gives it, and no override leaks into the next', () => {
    const file = smallConfigFile();
    const load = configLoader(file);
    const sets = [['tasks.click.labelWeight=5', 'model.bottom=[8]'], [], ['features.v.type=numeric']];
    for (const overrides of sets) expect(load(overrides)).toEqual(loadConfig(file, overrides));
    // After the overrides above, the shared read still holds the file as written.
    const plain = load([]);
    expect([plain.tasks.click!.labelWeight, plain.model.bottom, Object.keys(plain.features)]).toEqual([
      1,
      loadConfig(file).model.bottom,
      ['u'],
    ]);
  });

  it('fills defaults and resolves paths relative to the config file', () => {
    const file = smallConfigFile();
    const dir = dirname(file);
    const c = loadConfig(file);
    expect(c.data.train).toBe(join(dir, 'd/train.csv'));
    expect(c.features.u).toMatchObject({
      type: 'categorical',
      minCount: 1,
      embeddingDim: 16,
      input: true,
      group: false,
    });
    expect(c.tasks.click).toMatchObject({ labelWeight: 1, positiveShare: 0.5, lossWeight: 1 });
    expect(c.model.type).toBe('shared-bottom');
    expect(c.training.batchSize).toBe(512);
    expect(c.data.cacheDir).toBe(join(dir, '.cache/mtrank'));
  });

  it('applies --set overrides with value parsing', () => {
    const c = parseConfig(minimal, [
      'tasks.order.labelWeight=100',
      'tasks.click.labelWeight=auto',
      'model.bottom=[64,32]',
      'model.tower=16,8',
      'training.optimizer.lr=0.01',
      'data.header=false',
      'data.columns=a,b',
      'features.price.missingIndicator=true',
    ]);
    expect(c.tasks.order.labelWeight).toBe(100);
    expect(c.tasks.click.labelWeight).toBe('auto');
    expect(c.model.bottom).toEqual([64, 32]);
    expect(c.model.tower).toEqual([16, 8]);
    expect(c.training.optimizer.lr).toBe(0.01);
    expect(c.data.columns).toEqual(['a', 'b']);
    expect(c.features.price).toMatchObject({ missingIndicator: true });
    expect(parseOverrideValue(',')).toBe(',');
    expect(parseOverrideValue('>50K')).toBe('>50K');
  });

  it('names the bad key path and what was expected', () => {
    expect(errorOf(() => parseConfig(minimal, ['tasks.order.labelWeight=heavy']))).toMatch(
      /--set tasks\.order\.labelWeight=heavy: expected a positive number or 'auto'/,
    );
    expect(errorOf(() => parseConfig(minimal, ['features.price.transform=sqrt']))).toMatch(
      /--set features\.price\.transform=sqrt: .*standardize/,
    );
    expect(errorOf(() => parseConfig(minimal, ['data.onBadrow=skip']))).toMatch(
      /--set data\.onBadrow=skip: unknown key 'onBadrow'/,
    );
    expect(errorOf(() => parseConfig(minimal, ['tasks.order.dependsOn=cart']))).toMatch(
      /--set tasks\.order\.dependsOn=cart: expected one of the tasks \(click, order\), got 'cart'/,
    );
    expect(errorOf(() => parseConfig(minimal, ['tasks.order.dependsOn=clik']))).toContain(
      "got 'clik' (did you mean 'click'?)",
    );
    expect(errorOf(() => parseConfig(minimal, ['features.x.type=vector']))).toMatch(/features\.x/);
    expect(errorOf(() => parseConfig({ ...minimal, data: { source: 'x.csv' } }))).toMatch(/data\.split/);
    expect(errorOf(() => parseConfig(minimal, ['features.price.group=true']))).toMatch(
      /--set features\.price\.group=true: expected the group feature to be categorical/,
    );
    expect(errorOf(() => parseConfig(minimal, ['features.user_id.input=false']))).toMatch(
      /--set features\.user_id\.input=false: a feature with input: false must be a group feature/,
    );
  });

  it('carves a validation split from an explicit train and rejects the ambiguous combinations', () => {
    const carve = { train: 'd/train.csv', test: 'd/test.csv', split: { method: 'random', ratios: [0.9, 0.1] } };
    const c = parseConfig({ ...minimal, data: carve });
    expect(c.data.split).toEqual({ method: 'random', ratios: [0.9, 0.1] });
    // Defaults depend on what is split: [train, valid] from train, [train, valid, test] from a source.
    expect(parseConfig({ ...minimal, data: { train: 'a.csv', split: { method: 'random' } } }).data.split).toMatchObject(
      { ratios: [0.9, 0.1] },
    );
    expect(
      parseConfig({ ...minimal, data: { source: 'a.csv', split: { method: 'random' } } }).data.split,
    ).toMatchObject({ ratios: [0.8, 0.1, 0.1] });
    expect(errorOf(() => parseConfig({ ...minimal, data: { ...carve, valid: 'd/valid.csv' } }))).toMatch(
      /data\.split: expected either 'valid' or a split that carves/,
    );
    expect(
      errorOf(() =>
        parseConfig({ ...minimal, data: { ...carve, split: { method: 'random', ratios: [0.8, 0.1, 0.1] } } }),
      ),
    ).toMatch(/data\.split\.ratios: expected 2 ratios \[train, valid\].*got 3/);
    expect(
      errorOf(() =>
        parseConfig({
          ...minimal,
          data: { ...carve, split: { method: 'time', column: 't', validFrom: 1, testFrom: 2 } },
        }),
      ),
    ).toMatch(/data\.split\.method: .*a time split needs 'source'/);
    expect(
      errorOf(() =>
        parseConfig({ ...minimal, data: { source: 'a.csv', split: { method: 'random', ratios: [0.9, 0.1] } } }),
      ),
    ).toMatch(/data\.split\.ratios: expected 3 ratios/);
    expect(
      errorOf(() => parseConfig({ ...minimal, data: { ...carve, split: { method: 'random', ratios: [0, 0] } } })),
    ).toMatch(/data\.split\.ratios: expected a positive sum/);
  });

  it('reports unreadable and malformed files with their name', () => {
    expect(errorOf(() => loadConfig('/nonexistent/exp.yaml'))).toBe('/nonexistent/exp.yaml: config file not found');
    const dir = mkdtempSync(join(tmpdir(), 'mtrank-cfg-'));
    expect(errorOf(() => loadConfig(dir))).toBe(`${dir}: is a directory; give the config file (YAML or JSON)`);
    writeFileSync(join(dir, 'bad.yaml'), 'data: [1, 2\n');
    expect(errorOf(() => loadConfig(join(dir, 'bad.yaml')))).toMatch(/bad\.yaml: not valid YAML/);
    writeFileSync(join(dir, 'nested.yaml'), 'data:\n  source: f.csv\n   split: x\n');
    // the parser's first line names the place; its trailing ':' (before a code excerpt we do not print) is dropped
    expect(errorOf(() => loadConfig(join(dir, 'nested.yaml')))).toMatch(
      /nested\.yaml: not valid YAML: .*line 2, column \d+$/,
    );
  });

  it('publishes a JSON Schema covering every section', () => {
    const s = configJsonSchema() as { properties: Record<string, unknown> };
    for (const k of ['data', 'features', 'tasks', 'model', 'training', 'fusion', 'seed'])
      expect(s.properties).toHaveProperty(k);
    expect(JSON.stringify(s)).toContain('log-standardize');
  });
});
