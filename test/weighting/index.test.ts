import { describe, expect, it } from 'vitest';
import { createLossWeighting, WEIGHTING_METHODS, type WeightingInput } from '../../src/weighting/index.js';
import { MtrankError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { bruteForceMin, normOfCombination, randomGrads } from './helpers.js';

const tasks = [
  { name: 'click', lossWeight: 1 },
  { name: 'cart', lossWeight: 0.5 },
  { name: 'order', lossWeight: 2 },
];
const configs: Record<string, object> = {
  static: { method: 'static' },
  uncertainty: { method: 'uncertainty', lr: 0.05 },
  gradnorm: { method: 'gradnorm', alpha: 1 },
  dwa: { method: 'dwa', window: 2 },
  mgda: { method: 'mgda', normalization: 'l2' },
  pareto: { method: 'pareto', bounds: { order: 0.3 } },
  pcgrad: { method: 'pcgrad' },
};

function inputs(n: number): WeightingInput[] {
  const rng = new Rng(1);
  return Array.from({ length: n }, (_, step) => ({
    step,
    losses: tasks.map(() => 0.1 + rng.float()),
    sharedGrads: randomGrads(rng, 3, 16),
  }));
}

const run = (w: ReturnType<typeof createLossWeighting>, xs: WeightingInput[]) =>
  xs.map((x) => {
    const wt = w.weights(x);
    return w.combine ? [...w.combine(x, wt)] : wt;
  });

describe('createLossWeighting', () => {
  it('defaults to static, which returns the tasks’ lossWeights', () => {
    const w = createLossWeighting(undefined, tasks);
    expect(w.method).toBe('static');
    expect(w.needs).toBe('losses');
    expect(w.weights({ step: 0, losses: [1, 1, 1] })).toEqual([1, 0.5, 2]);
    expect(w.describe()).toEqual({ click: 1, cart: 0.5, order: 2 });
  });

  it.each(WEIGHTING_METHODS)(
    '%s: resumes from state() exactly as if never stopped, and logs finite weights',
    (method) => {
      const xs = inputs(12);
      const whole = createLossWeighting(configs[method], tasks, { seed: 3 });
      const expected = run(whole, xs);
      const first = createLossWeighting(configs[method], tasks, { seed: 3 });
      run(first, xs.slice(0, 5));
      const resumed = createLossWeighting(configs[method], tasks, { seed: 3 });
      resumed.load(JSON.parse(JSON.stringify(first.state())));
      expect(run(resumed, xs.slice(5))).toEqual(expected.slice(5));
      const logged = whole.describe();
      expect(Object.keys(logged)).toEqual(['click', 'cart', 'order']);
      expect(Object.values(logged).every(Number.isFinite)).toBe(true);
      // describe() reports what the last step applied (pcgrad: the effective coefficients of its combined gradient).
      const fresh = createLossWeighting(configs[method], tasks, { seed: 3 });
      let applied: number[] = [];
      for (const x of xs) applied = fresh.weights(x);
      if (method !== 'pcgrad') expect(Object.values(fresh.describe())).toEqual(applied);
    },
  );

  it('mgda and pareto return the min-norm weights of the step’s gradients', () => {
    const x = inputs(1)[0]!;
    const mgda = createLossWeighting({ method: 'mgda' }, tasks).weights(x);
    expect(normOfCombination(x.sharedGrads!, mgda)).toBeLessThanOrEqual(
      bruteForceMin(x.sharedGrads!, 300).value + 1e-12,
    );
    const pareto = createLossWeighting(configs.pareto, tasks).weights(x);
    expect(pareto[2]).toBeGreaterThanOrEqual(0.3 - 1e-12);
    expect(normOfCombination(x.sharedGrads!, pareto)).toBeLessThanOrEqual(
      bruteForceMin(x.sharedGrads!, 300, [0, 0, 0.3]).value + 1e-12,
    );
  });

  it('mgda normalisation rescales the gradients before the solve', () => {
    const g = [Float32Array.from([1, 0]), Float32Array.from([0, 3])];
    const none = createLossWeighting({ method: 'mgda' }, tasks.slice(0, 2)).weights({
      step: 0,
      losses: [1, 1],
      sharedGrads: g,
    });
    const l2 = createLossWeighting({ method: 'mgda', normalization: 'l2' }, tasks.slice(0, 2)).weights({
      step: 0,
      losses: [1, 1],
      sharedGrads: g,
    });
    const loss = createLossWeighting({ method: 'mgda', normalization: 'loss' }, tasks.slice(0, 2)).weights({
      step: 0,
      losses: [1, 3],
      sharedGrads: g,
    });
    expect(none.map((a) => +a.toFixed(9))).toEqual([0.9, 0.1]);
    expect(l2.map((a) => +a.toFixed(9))).toEqual([0.5, 0.5]);
    expect(loss.map((a) => +a.toFixed(9))).toEqual([0.5, 0.5]); // g₂/L₂ = (0, 1)
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'unknown method',
      { method: 'magic' },
      /training\.lossWeighting\.method: unknown method "magic" \(expected one of static, uncertainty/,
    ],
    ['missing method', {}, /unknown method undefined/],
    [
      'unknown option',
      { method: 'dwa', temprature: 2 },
      /training\.lossWeighting.*Unrecognized key: "temprature" \(dwa takes temperature, window/,
    ],
    ['bad temperature', { method: 'dwa', temperature: -1 }, /training\.lossWeighting\.temperature: /],
    ['bad normalisation', { method: 'mgda', normalization: 'max' }, /training\.lossWeighting\.normalization: /],
    ['bound out of range', { method: 'pareto', bounds: { order: 1.5 } }, /training\.lossWeighting\.bounds\.order: /],
    [
      'bounds summing past 1',
      { method: 'pareto', bounds: { click: 0.6, order: 0.5 } },
      /bounds: lower bounds sum to 1\.1, more than 1/,
    ],
    [
      'bound for an unknown task',
      { method: 'pareto', bounds: { buy: 0.1 } },
      /unknown task 'buy' \(tasks: click, cart, order\)/,
    ],
    [
      'bound for a mistyped task',
      { method: 'pareto', bounds: { ordr: 0.1 } },
      /unknown task 'ordr' \(did you mean 'order'\?\) \(tasks: click, cart, order\)/,
    ],
  ];
  it.each(bad)('rejects %s with a clear MtrankError', (_, config, message) => {
    expect(() => createLossWeighting(config, tasks)).toThrow(MtrankError);
    expect(() => createLossWeighting(config, tasks)).toThrow(message);
  });

  it('rejects non-finite losses, missing or mismatched gradients, and foreign checkpoint state', () => {
    const w = createLossWeighting({ method: 'mgda' }, tasks);
    expect(() => w.weights({ step: 7, losses: [1, NaN, 1] })).toThrow(/loss of task 'cart' is NaN at step 7/);
    expect(() => w.weights({ step: 0, losses: [1, 1, 1] })).toThrow(
      /needs one shared-representation gradient per task/,
    );
    const g = new Float32Array(4);
    expect(() => w.weights({ step: 0, losses: [1, 1, 1], sharedGrads: [g, g, new Float32Array(3)] })).toThrow(
      /task 'order' has 3 values, expected 4/,
    );
    expect(() =>
      w.weights({ step: 0, losses: [1, 1, 1], sharedGrads: [g, g, Float32Array.of(1, Infinity, 0, 0)] }),
    ).toThrow(/non-finite gradient/);
    expect(() => w.load({ method: 'pareto', weights: [1, 0, 0] })).toThrow(/checkpoint state is for method 'pareto'/);
    expect(() => w.load({ method: 'mgda', weights: [1, 0] })).toThrow(/must hold 3 finite numbers/);
    expect(() => createLossWeighting({ method: 'static' }, [{ name: 'x', lossWeight: -1 }])).toThrow(
      /tasks\.x\.lossWeight/,
    );
  });
});
