import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FALLBACK_FORMS, runFuseCommand, worstChange } from '../../src/fusion/run.js';
import { fusedColumn } from '../../src/fusion/forms.js';
import { auc } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';
import { fuseCommandOptions } from './options.js';

const dir = mkdtempSync(join(tmpdir(), 'mtrank-fallback-forms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Two tasks whose labels follow independent signals (like KuaiRand's click and like): no mix keeps both. click's
 * score is a skewed monotone map of its signal (exp, as an uncalibrated model's can be), so a linear mix of the
 * probabilities weighs its tail wrongly and the product (log) or rank form loses less.
 */
function conflicting(n: number, seed: number) {
  const rng = new Rng(seed);
  const lines = ['p_click,p_like,y_click,y_like'];
  const probs = [new Float64Array(n), new Float64Array(n)],
    labels = [new Uint8Array(n), new Uint8Array(n)];
  for (let i = 0; i < n; i++) {
    const a = rng.normal(),
      b = rng.normal();
    const pc = Math.min(1, 0.01 * Math.exp(2 * a)),
      pl = 1 / (1 + Math.exp(-(2 * b + 1.5))); // like: mostly positive, probabilities crowd near 1
    [probs[0][i], probs[1][i]] = [pc, pl];
    labels[0][i] = rng.float() < 1 / (1 + Math.exp(-a)) ? 1 : 0;
    labels[1][i] = rng.float() < pl ? 1 : 0;
    lines.push(`${pc},${pl},${labels[0][i]},${labels[1][i]}`);
  }
  const file = join(dir, `s${seed}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, probs, labels };
}

const command = (scores: string, extra: { form?: string; constraint?: string[] } = {}) =>
  runFuseCommand(fuseCommandOptions({ scores, ...extra }));

describe('default objective fallback across forms', () => {
  it('deploys the form whose worst task loses least, each form searched on its own', async () => {
    const { file, probs, labels } = conflicting(1500, 3);
    const r = await command(file);
    const each = await Promise.all(FALLBACK_FORMS.map((form) => command(file, { form })));
    expect(each.every((x) => x.fallback)).toBe(true); // no form keeps both tasks within 0.005
    const best = Math.max(...each.map(worstChange));
    expect(worstChange(r)).toBe(best);
    expect(r.form).not.toBe('linear'); // the planted conflict: linear's worst loss is the largest
    expect(r.form).toBe(each.find((x) => worstChange(x) === best)!.form);
    // the worst change, recomputed independently: AUCs of the deployed score (fusedColumn) vs each own score
    const knots = r.params?.knots;
    const params = knots ? { knots: r.tasks.map((t) => knots[t]!) } : {};
    const deployed = fusedColumn(
      r.form,
      r.tasks.map((t) => r.deploy.weights[t]!),
      probs,
      params,
    );
    const recomputed = Math.min(...labels.map((y, t) => auc(deployed, y) - auc(probs[t], y)));
    expect(worstChange(r)).toBeCloseTo(recomputed, 12);
    expect(r.deploy.warnings[0]).toMatch(/worst valid change by form: linear .*, product .*, rank .* → /);
    expect(r.fallbackForms).toBe(r.deploy.warnings[0]);
  });

  it('keeps the asked form, and keeps linear when it meets the constraints', async () => {
    const { file } = conflicting(1500, 3);
    const asked = await command(file, { form: 'linear' });
    expect(asked.form).toBe('linear');
    expect(asked.fallbackForms).toBeUndefined();
    // one task's own score, the other a noisy copy of it: the linear mix meets the default constraints
    const rng = new Rng(5);
    const lines = ['p_click,p_cart,y_click,y_cart'];
    for (let i = 0; i < 1500; i++) {
      const p = rng.float();
      lines.push(
        `${p},${Math.min(1, p * 0.5 + 0.01 * rng.float())},${rng.float() < p ? 1 : 0},${rng.float() < p / 3 ? 1 : 0}`,
      );
    }
    const easy = join(dir, 'easy.csv');
    writeFileSync(easy, `${lines.join('\n')}\n`);
    const r = await command(easy);
    expect(r.form).toBe('linear');
    expect(r.fallback).toBeUndefined();
    expect(r.fallbackForms).toBeUndefined();
  });
});
