import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFusionWeights, resolveFusion } from '../../src/export/fusion-override.js';
import { featureScope } from '../../src/export/manifest.js';
import { tinyConfig } from '../training/fixtures.js';

const TASKS = ['click', 'cart', 'order'];

describe('export --fusion', () => {
  it('parses task=weight pairs and names what is wrong', () => {
    expect(parseFusionWeights('click=0.2, order=1e-1', TASKS)).toEqual({ click: 0.2, order: 0.1 });
    expect(() => parseFusionWeights('click', TASKS)).toThrow(/task=weight pairs.*got 'click'/);
    expect(() => parseFusionWeights('buy=1', TASKS)).toThrow(
      /no task named 'buy' \(the run's tasks: click, cart, order\)/,
    );
    expect(() => parseFusionWeights('click=NaN', TASKS)).toThrow(/'click' must be a finite number, got 'NaN'/);
    expect(() => parseFusionWeights('click=1,click=2', TASKS)).toThrow(/'click' is given twice/);
  });

  it("overrides the run's fusion.json: listed tasks change, others keep their weight, the base is recorded", () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtrank-fusion-'));
    const path = join(dir, 'fusion.json');
    const missing = join(dir, 'none.json');
    expect(resolveFusion(missing, TASKS, {})).toBeNull();
    expect(() => resolveFusion(missing, TASKS, { form: 'product' })).toThrow(/no fusion\.json; give the weights/);
    expect(resolveFusion(missing, TASKS, { weights: 'order=1' })!.weights).toEqual({ click: 0, cart: 0, order: 1 });

    writeFileSync(path, JSON.stringify({ form: 'linear', weights: { click: 0.3, order: 0.7 }, best: { auc: 0.8 } }));
    const kept = resolveFusion(path, TASKS, {})!;
    expect(kept.weights).toEqual({ click: 0.3, cart: 0, order: 0.7 });
    expect(kept.file).toMatchObject({ best: { auc: 0.8 } }); // unchanged file, search result kept
    const what = resolveFusion(path, TASKS, { weights: 'cart=0.5', form: 'product' })!;
    expect(what.form).toBe('product');
    expect(what.file).toEqual({
      form: 'product',
      weights: { click: 0.3, cart: 0.5, order: 0.7 },
      override: { base: { form: 'linear', weights: { click: 0.3, cart: 0, order: 0.7 } }, set: { cart: 0.5 } },
    });

    writeFileSync(path, JSON.stringify({ form: 'linear', weights: { click: 1, buy: 1 } }));
    expect(() => resolveFusion(path, TASKS, {})).toThrow(/weights\.buy: the run has no task 'buy'/);
    writeFileSync(path, JSON.stringify({ form: 'linear', weights: { click: '1' } }));
    expect(() => resolveFusion(path, TASKS, {})).toThrow(/weights\.click must be a finite number/);
  });
});

describe('feature scope', () => {
  it('defaults to context for the group feature and candidate otherwise; the config key overrides it', () => {
    const c = tinyConfig();
    expect(featureScope(c, 'user')).toBe('context');
    expect(featureScope(c, 'item')).toBe('candidate');
    const set = tinyConfig(['features.user.scope=candidate', 'features.d0.scope=context']);
    expect(featureScope(set, 'user')).toBe('candidate');
    expect(featureScope(set, 'd0')).toBe('context');
    expect(() => tinyConfig(['features.d0.scope=request'])).toThrow(/scope/);
  });
});
