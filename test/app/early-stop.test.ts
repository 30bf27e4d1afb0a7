import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MemoryRungBook,
  TrialStopper,
  parseStopMetric,
  quantile,
  rungsUpTo,
  type EarlyStopSpec,
} from '../../src/app/sweep/early-stop.js';
import { runSweep } from '../../src/app/sweep/local.js';
import { fixtureConfig } from '../report/fixture-run.js';

// The fake trainer's valid order AUC at step s is 0.687 + 0.02·log10(w) + 0.01·(s/100 − 1) (seed 7), so at any one
// step the trials rank by their order label weight w. In grid order w = 10, 1000, 1, 300, 3, the offsets
// 0.02·log10(w) are 0.02, 0.06, 0, 0.0495, 0.0095.
const weights = [10, 1000, 1, 300, 3];
const validOrder = (w: number, step: number) => 0.7 + 0.02 * Math.log10(w) + 0.007 - 0.01 * (3 - step / 100);
const evalLine = (w: number, step: number) => ({
  type: 'eval',
  step,
  split: 'valid',
  tasks: { click: { auc: 0.6 }, order: { auc: validOrder(w, step) } },
});

/** Feeds the trials one after the other, as one worker takes them off the queue; returns who stopped where. */
async function schedule(spec: EarlyStopSpec): Promise<Record<number, number | null>> {
  const book = new MemoryRungBook();
  const out: Record<number, number | null> = {};
  for (const w of weights) {
    const stopper = new TrialStopper(spec, book, `w${w}`);
    const log: object[] = [];
    out[w] = null;
    for (const step of [100, 200, 300]) {
      log.push(evalLine(w, step));
      const v = await stopper.feed(log as never);
      if (v) {
        out[w] = v.rung;
        break;
      }
    }
  }
  return out;
}

describe('early-stop rules against hand-computed schedules', () => {
  it('quantiles interpolate linearly between order statistics (numpy default)', () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([0, 0.02, 0.04, 0.06], 0.5)).toBeCloseTo(0.03, 15);
    expect(quantile([1, 2, 3, 4, 5], 2 / 3)).toBeCloseTo(1 + (4 * 2) / 3, 12);
    expect(rungsUpTo(1000, 100, 3)).toEqual([100, 300, 900]);
    expect(rungsUpTo(99, 100, 2)).toEqual([]);
    expect(parseStopMetric('valid.click.logloss')).toMatchObject({ task: 'click', higherIsBetter: false });
    expect(() => parseStopMetric('order')).toThrow(/valid\.order\.auc/);
  });

  it('ASHA (grace 100, η 2) stops w=1 and w=3 at rung 100 and lets the others finish', async () => {
    // Rung 100, q = 0.5 of the values so far: w=10 alone → go; {0.02, 0.06} mean 0.04 → w=1000 goes;
    // {0.02, 0.06, 0} median 0.02 → w=1 stops; {0, 0.02, 0.0495, 0.06} → 0.03475 → w=300 goes;
    // {0, 0.0095, 0.02, 0.0495, 0.06} median 0.02 → w=3 stops. Rung 200 holds 10, 1000, 300: each ≥ its cutoff.
    expect(
      await schedule({ method: 'asha', metric: 'valid.order.auc', grace: 100, reduction: 2, minTrials: 1 }),
    ).toEqual({ 10: null, 1000: null, 1: 100, 300: null, 3: 100 });
    // η = 4 keeps only the top quarter: rung 100 cutoffs are the 0.75-quantiles.
    // w=1000 vs {0.02, 0.06}: 0.05 → go; w=1 → stop; w=300: {0, .02, .0495, .06} → .052125 → stop;
    // w=3 → stop. The next rung, 400, lies past the last step.
    expect(await schedule({ method: 'asha', metric: 'order-auc', grace: 100, reduction: 4, minTrials: 1 })).toEqual({
      10: null,
      1000: null,
      1: 100,
      300: 100,
      3: 100,
    });
  });

  it('the median rule (grace 200, 2 others needed) stops w=1 and w=3 at step 200', async () => {
    // Step 200: w=10, w=1000 have too few others; w=1 vs median{0.02, 0.06} = 0.04 → stop;
    // w=300 vs median{0.02, 0.06, 0} = 0.02 → go, step 300 vs {0.02, 0.06} → 0.04 → go;
    // w=3 vs median{0.02, 0.06, 0, 0.0495} = 0.03475 → stop.
    expect(
      await schedule({ method: 'median', metric: 'valid.order.auc', grace: 200, reduction: 2, minTrials: 2 }),
    ).toEqual({ 10: null, 1000: null, 1: 200, 300: null, 3: 200 });
  });

  it('replaying a log after a resume gives the decision already taken', async () => {
    const book = new MemoryRungBook();
    const spec: EarlyStopSpec = { method: 'asha', metric: 'mean-auc', grace: 100, reduction: 2, minTrials: 1 };
    await new TrialStopper(spec, book, 'a').feed([evalLine(1000, 100)] as never);
    const first = await new TrialStopper(spec, book, 'b').feed([evalLine(1, 100)] as never);
    expect(first?.rung).toBe(100);
    // Another trial records a lower value; b's replay must still say stop, and a's still go.
    await new TrialStopper(spec, book, 'c').feed([evalLine(1, 50), { ...evalLine(1, 100), step: 100 }] as never);
    expect((await new TrialStopper(spec, book, 'b').feed([evalLine(1, 100)] as never))?.rung).toBe(100);
    expect(await new TrialStopper(spec, book, 'a').feed([evalLine(1000, 100)] as never)).toBeUndefined();
  });
});

describe('early stopping in a local sweep', () => {
  const root = mkdtempSync(join(tmpdir(), 'mtrank-es-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const config = join(root, 'config.json');
  writeFileSync(
    config,
    JSON.stringify(fixtureConfig(['click', 'order'], { seed: 7, features: { price: { type: 'numeric' } } })),
  );
  const fake = [process.execPath, fileURLToPath(new URL('./fake-trainer.mjs', import.meta.url))];

  it('stops exactly the trials the ASHA schedule says, marks them stopped, and does not retrain them', async () => {
    process.env.FAKE_TRAINER_STEP_MS = '400';
    const out = join(root, 'asha');
    const opts = {
      config,
      grids: [`tasks.order.labelWeight=${weights.join(',')}`],
      out,
      trainCommand: fake,
      png: false,
      log: () => {},
      earlyStop: { method: 'asha', metric: 'valid.order.auc', grace: 100, reduction: 2, minTrials: 1 } as EarlyStopSpec,
    };
    try {
      const r = await runSweep(opts);
      expect(r.stopped.map((x) => x.point.sets[0])).toEqual(['tasks.order.labelWeight=1', 'tasks.order.labelWeight=3']);
      expect(r.ran).toHaveLength(3);
      const dir = join(out, 'tasks.order.labelWeight=1');
      expect(existsSync(join(dir, 'metrics.json'))).toBe(false);
      const info = JSON.parse(readFileSync(join(dir, 'trial.json'), 'utf8'));
      expect(info).toMatchObject({ status: 'stopped', stop: { rung: 100, method: 'asha' } });
      expect(info.stepsTrained).toBeLessThan(300);
      const plan = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
      expect(plan.runs.map((x: { status: string }) => x.status)).toEqual([
        'finished',
        'finished',
        'stopped',
        'finished',
        'stopped',
      ]);
      const again = await runSweep(opts);
      expect([again.ran.length, again.stopped.length, again.skipped.length]).toEqual([0, 0, 5]);
    } finally {
      delete process.env.FAKE_TRAINER_STEP_MS;
    }
  });
});
