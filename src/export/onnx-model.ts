// A trained model as one ONNX graph: encoded feature tensors in, p_<task> per task and the fused score out.
// The network itself is traced from the model's own forward (onnx-trace.ts); this file adds the inputs, the
// probabilities (ESMM chains), the run's calibration and the fusion.
import type { MultiTaskModel } from '../models/model.js';
import type { FeatureInputSpec } from '../models/layers.js';
import { PRODUCT_FLOOR, type FormParams, type FusionForm } from '../fusion/forms.js';
import { MtrankError } from '../util/errors.js';
import type { FusedOn } from '../fusion/artifact.js';
import { LOGIT_EPS, type TaskCalibration } from '../fusion/calibration.js';
import { BATCH_AXIS, ELEM, OnnxBuilder, type Dim, type ElemType } from './onnx-builder.js';
import { OnnxTrace } from './onnx-trace.js';
import { counted } from '../util/plural.js';

/** Padding of multi-categorical inputs: any negative id; -1 by convention (id 0 is the OOV token, not padding). */
export const MULTI_PADDING = -1;

export interface OnnxInput {
  name: string;
  /** The feature it carries (absent for the dense block, which carries `denseNames`). */
  feature?: string;
  kind: 'categorical' | 'multi' | 'dense' | 'value';
  dtype: ElemType;
  shape: Dim[];
  /** Ids must lie in [0, vocabSize); 0 is the out-of-vocabulary / missing id. */
  vocabSize?: number;
  /** The id that fills a multi-categorical row after its last token. */
  padding?: number;
  denseNames?: string[];
  /** kind 'value' (the expected-value form): the business value column it carries, e.g. price (≥ 0, raw). */
  column?: string;
}
export interface OnnxOutput {
  name: string;
  task?: string;
}
export interface OnnxIo {
  inputs: OnnxInput[];
  outputs: OnnxOutput[];
}

/** What the graph's inputs look like: the model's feature layout plus each multi field's padded width. */
export interface InputLayout {
  spec: FeatureInputSpec;
  /** Per multi field (spec order): maxLength, the padded width. */
  maxLengths: readonly number[];
  denseNames: readonly string[];
}

export interface FusionSpec {
  form: FusionForm;
  /** In task order. */
  weights: readonly number[];
  /** Which probabilities the score fuses: the model's raw ones (default) or the calibrated ones. */
  probabilities?: FusedOn;
  /**
   * fusion.json's params in task order: ensemble offsets b, rank quantile knots, the expected-value form's value
   * column (the graph then takes a `value` input).
   */
  params?: FormParams;
}

export function buildOnnxModel(
  model: MultiTaskModel,
  layout: InputLayout,
  fusion: FusionSpec | null,
  /** Per task (task order): the run's calibration.json entry; null for an uncalibrated run. */
  calibration: readonly TaskCalibration[] | null = null,
): { bytes: Uint8Array; io: OnnxIo } {
  const b = new OnnxBuilder(),
    taken = new Set<string>();
  const name = (preferred: string) => {
    let n = preferred;
    while (taken.has(n)) n = `_${n}`;
    taken.add(n);
    b.reserve(n);
    return n;
  };
  const inputs: OnnxInput[] = [];
  const declare = (i: OnnxInput) => {
    inputs.push(i);
    return b.input(i.name, i.dtype, i.shape);
  };
  // Outputs are named first so that no feature name can take them.
  const outNames = model.tasks.map((t) => name(`p_${t}`));
  const scoreName = fusion ? name('score') : null;
  const { spec } = layout;
  const traced = {
    categorical: spec.categorical.map((f) =>
      declare({
        name: name(f.name),
        feature: f.name,
        kind: 'categorical',
        dtype: 'int64',
        shape: [BATCH_AXIS],
        vocabSize: f.vocabSize,
      }),
    ),
    multi: (spec.multi ?? []).map((f, k) =>
      declare({
        name: name(f.name),
        feature: f.name,
        kind: 'multi',
        dtype: 'int64',
        shape: [BATCH_AXIS, layout.maxLengths[k]!],
        vocabSize: f.vocabSize,
        padding: MULTI_PADDING,
      }),
    ),
    dense:
      spec.denseCount > 0
        ? declare({
            name: name('dense'),
            kind: 'dense',
            dtype: 'float32',
            shape: [BATCH_AXIS, spec.denseCount],
            denseNames: [...layout.denseNames],
          })
        : null,
  };
  // The expected-value form multiplies each row's business value in: one float32 per row, named after the features
  // (so a feature called `value` keeps its name and this input becomes `_value`).
  const value =
    fusion?.form === 'expected-value'
      ? declare({
          name: name('value'),
          kind: 'value',
          dtype: 'float32',
          shape: [BATCH_AXIS],
          column: fusion.params?.value ?? 'value',
        })
      : null;

  const trace = new OnnxTrace(b);
  const logits = model.forward(trace as never, trace.batch(traced)).logits.map((l) => trace.valueOf(l));
  // Sigmoid in float64, rounded once: onnxruntime's float32 Sigmoid loses relative precision far in the tail, which
  // a product's fractional exponent (p^0.125) turns into score differences of 1e-4 (KuaiRand, issue 14).
  const sigmoids = logits.map((z) =>
    b.op('Cast', [b.op('Sigmoid', [b.op('Cast', [z], { to: ELEM.float64 })])], { to: ELEM.float32 }),
  );
  const squeeze = (p: string) => b.op('Squeeze', [p, b.int64s('axis', [1])]);
  const raw = model.chains.map((chain) => {
    let p = sigmoids[chain[0]!]!;
    for (const j of chain.slice(1)) p = b.op('Mul', [p, sigmoids[j]!]);
    return p;
  });
  const probs = raw.map((p, t) => squeeze(calibration ? calibrated(b, calibration[t]!, p) : p));
  const outputs: OnnxOutput[] = model.tasks.map((task, t) => {
    b.output(outNames[t]!, probs[t]!, 'float32', [BATCH_AXIS]);
    return { name: outNames[t]!, task };
  });
  if (fusion && scoreName) {
    if (fusion.weights.length !== model.tasks.length)
      throw new MtrankError(
        `export: ${counted(fusion.weights.length, 'fusion weight')} for ${counted(model.tasks.length, 'task')}`,
      );
    const fused = calibration && fusion.probabilities !== 'calibrated' ? raw.map(squeeze) : probs;
    const score = value ? expectedValueScore(b, fusion, fused, value) : fusedScore(b, fusion, fused);
    b.output(scoreName, score, 'float32', [BATCH_AXIS]);
    outputs.push({ name: scoreName });
  }
  const bytes = b.encode(`mtrank_${model.type}`, `mtrank ${model.type}: ${model.tasks.join(', ')}`);
  return { bytes, io: { inputs, outputs } };
}

/**
 * A task's calibration (fusion/calibration.ts `calibrate`) on its [batch, 1] probability, computed in float64 like
 * JavaScript does: the label-weight undo p / (p + w·(1 − p)), then Platt σ(a·logit(q) + b) (q clipped to
 * [ε, 1 − ε]) or the isotonic step function — y[k] from x[k] up to x[k+1], y[0] below x[0] — as a lookup:
 * index = #{k : x[k] ≤ q} into [y[0], y[0], y[1], …].
 */
function calibrated(b: OnnxBuilder, c: TaskCalibration, p: string): string {
  const d = (v: number) => b.doubles('c', [], [v]);
  const one = d(1);
  const x = b.op('Cast', [p], { to: ELEM.float64 });
  let q = b.op('Div', [x, b.op('Add', [x, b.op('Mul', [d(c.labelWeight), b.op('Sub', [one, x])])])]);
  if (c.method === 'platt' && c.platt) {
    const clipped = b.op('Clip', [q, d(LOGIT_EPS), d(1 - LOGIT_EPS)]);
    const logit = b.op('Log', [b.op('Div', [clipped, b.op('Sub', [one, clipped])])]);
    q = b.op('Sigmoid', [b.op('Add', [b.op('Mul', [d(c.platt.a), logit]), d(c.platt.b)])]);
  } else if (c.method === 'isotonic' && c.isotonic) {
    const { x: xs, y: ys } = c.isotonic;
    const atOrAbove = b.op('Cast', [b.op('GreaterOrEqual', [q, b.doubles('iso_x', [xs.length], xs)])], {
      to: ELEM.int64,
    });
    const index = b.op('ReduceSum', [atOrAbove, b.int64s('axes', [1])], { keepdims: 1 });
    q = b.op('Gather', [b.doubles('iso_y', [ys.length + 1], [ys[0]!, ...ys]), index], { axis: 0 });
  }
  return b.op('Cast', [q], { to: ELEM.float32 });
}

/**
 * linear: Σ w·p; product: Π max(p, floor)^w; ensemble: Π (b + p)^w — as fusion/forms.ts `fusedScore` computes them
 * (zero weights add nothing).
 */
function fusedScore(b: OnnxBuilder, fusion: FusionSpec, probs: readonly string[]): string {
  if (fusion.form === 'rank') return rankScore(b, fusion, probs);
  let used = probs.map((p, t) => ({ p, t, w: fusion.weights[t]! })).filter((x) => x.w !== 0);
  if (used.length === 0) used = [{ p: probs[0]!, t: 0, w: 0 }];
  const floor = fusion.form === 'product' ? b.floats('floor', [], [PRODUCT_FLOOR]) : '';
  const base = (p: string, t: number) => {
    if (fusion.form === 'product') return b.op('Max', [p, floor]);
    const offset = fusion.params?.offsets?.[t];
    if (offset === undefined) throw new MtrankError(`export: the ensemble form needs an offset for task #${t}`);
    return b.op('Add', [p, b.floats('offset', [], [offset])]);
  };
  const terms = used.map(({ p, t, w }) => {
    const wv = b.floats('w', [], [w]);
    return fusion.form === 'linear' ? b.op('Mul', [p, wv]) : b.op('Pow', [base(p, t), wv]);
  });
  if (terms.length === 1) return terms[0]!;
  return fusion.form === 'linear'
    ? b.op('Sum', terms)
    : terms.slice(1).reduce((acc, t) => b.op('Mul', [acc, t]), terms[0]!);
}

/**
 * rank: Σ w·pct(p) in float64, as fusion/forms/rank.ts computes it: with c = #{k : q[k] ≤ p} (ascending knots, so
 * q[c − 1] is the last knot ≤ p and q[c] > p), pct = 0 when c = 0 (p below the first knot, or NaN), 1 when c = K + 1,
 * else (c − 1 + (p − q[c − 1]) / (q[c] − q[c − 1])) / K; terms added in task order.
 */
function rankScore(b: OnnxBuilder, fusion: FusionSpec, probs: readonly string[]): string {
  const d = (v: number) => b.doubles('c', [], [v]);
  const i64 = (v: number) => b.int64s('i', [v]);
  let sum = '';
  probs.forEach((p, t) => {
    const w = fusion.weights[t]!;
    if (w === 0) return;
    const q = fusion.params?.knots?.[t];
    if (!q || q.length < 2) throw new MtrankError(`export: the rank form needs quantile knots for task #${t}`);
    const K = q.length - 1;
    const x = b.op('Cast', [p], { to: ELEM.float64 });
    const knots = b.doubles('knots', [q.length], q);
    const atOrBelow = b.op('GreaterOrEqual', [b.op('Unsqueeze', [x, b.int64s('axes', [1])]), knots]);
    const c = b.op('ReduceSum', [b.op('Cast', [atOrBelow], { to: ELEM.int64 }), b.int64s('axes', [1])], {
      keepdims: 0,
    });
    const lo = b.op('Max', [b.op('Min', [b.op('Sub', [c, i64(1)]), i64(K - 1)]), i64(0)]);
    const qlo = b.op('Gather', [knots, lo], { axis: 0 });
    const qhi = b.op('Gather', [knots, b.op('Add', [lo, i64(1)])], { axis: 0 });
    const frac = b.op('Div', [b.op('Sub', [x, qlo]), b.op('Sub', [qhi, qlo])]);
    const inner = b.op('Div', [b.op('Add', [b.op('Cast', [lo], { to: ELEM.float64 }), frac]), d(K)]);
    const pct = b.op('Where', [
      b.op('Equal', [c, i64(0)]),
      d(0),
      b.op('Where', [b.op('Equal', [c, i64(K + 1)]), d(1), inner]),
    ]);
    const term = b.op('Mul', [d(w), pct]);
    sum = sum ? b.op('Add', [sum, term]) : b.op('Add', [d(0), term]);
  });
  return b.op('Cast', [sum || b.op('Mul', [b.op('Cast', [probs[0]!], { to: ELEM.float64 }), d(0)])], {
    to: ELEM.float32,
  });
}

/**
 * expected-value: max(v, 1e-12) · Π max(p, 1e-12)^w in float64, multiplied in task order as fusion/forms/
 * expected-value.ts `score` does (a zero weight multiplies by exactly 1), rounded to float32 once.
 */
function expectedValueScore(b: OnnxBuilder, fusion: FusionSpec, probs: readonly string[], value: string): string {
  const d = (v: number) => b.doubles('c', [], [v]);
  const floor = d(PRODUCT_FLOOR);
  const floored = (x: string) => b.op('Max', [b.op('Cast', [x], { to: ELEM.float64 }), floor]);
  let s = floored(value);
  probs.forEach((p, t) => (s = b.op('Mul', [s, b.op('Pow', [floored(p), d(fusion.weights[t]!)])])));
  return b.op('Cast', [s], { to: ELEM.float32 });
}
