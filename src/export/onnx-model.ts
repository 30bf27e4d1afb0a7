// A trained model as one ONNX graph: encoded feature tensors in, p_<task> per task and the fused score out.
// The network itself is traced from the model's own forward (onnx-trace.ts); this file adds the inputs, the
// probabilities (ESMM chains), the calibration hook and the fusion.
import type { MultiTaskModel } from '../models/model.js';
import type { FeatureInputSpec } from '../models/layers.js';
import { PRODUCT_FLOOR, type FusionForm } from '../fusion/forms.js';
import { MtrankError } from '../util/errors.js';
import { BATCH_AXIS, OnnxBuilder, type Dim, type ElemType } from './onnx-builder.js';
import { OnnxTrace } from './onnx-trace.js';

/** Padding of multi-categorical inputs: any negative id; -1 by convention (id 0 is the OOV token, not padding). */
export const MULTI_PADDING = -1;

export interface OnnxInput {
  name: string;
  /** The feature it carries (absent for the dense block, which carries `denseNames`). */
  feature?: string;
  kind: 'categorical' | 'multi' | 'dense';
  dtype: ElemType;
  shape: Dim[];
  /** Ids must lie in [0, vocabSize); 0 is the out-of-vocabulary / missing id. */
  vocabSize?: number;
  /** The id that fills a multi-categorical row after its last token. */
  padding?: number;
  denseNames?: string[];
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

/** The fusion forms the graph computes (others are refused by export). */
export const ONNX_FORMS: readonly FusionForm[] = ['linear', 'product'];

export interface FusionSpec {
  form: FusionForm;
  /** In task order. */
  weights: readonly number[];
}

export function buildOnnxModel(
  model: MultiTaskModel,
  layout: InputLayout,
  fusion: FusionSpec | null,
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

  const trace = new OnnxTrace(b);
  const logits = model.forward(trace as never, trace.batch(traced)).logits.map((l) => trace.valueOf(l));
  const sigmoids = logits.map((z) => b.op('Sigmoid', [z]));
  const probs = model.chains.map((chain, t) => {
    let p = sigmoids[chain[0]!]!;
    for (const j of chain.slice(1)) p = b.op('Mul', [p, sigmoids[j]!]);
    p = calibrated(b, model.tasks[t]!, p);
    return b.op('Squeeze', [p, b.int64s('axis', [1])]);
  });
  const outputs: OnnxOutput[] = model.tasks.map((task, t) => {
    b.output(outNames[t]!, probs[t]!, 'float32', [BATCH_AXIS]);
    return { name: outNames[t]!, task };
  });
  if (fusion && scoreName) {
    if (fusion.weights.length !== model.tasks.length)
      throw new MtrankError(`export: ${fusion.weights.length} fusion weights for ${model.tasks.length} tasks`);
    b.output(scoreName, fusedScore(b, fusion, probs), 'float32', [BATCH_AXIS]);
    outputs.push({ name: scoreName });
  }
  const bytes = b.encode(`mtrank_${model.type}`, `mtrank ${model.type}: ${model.tasks.join(', ')}`);
  return { bytes, io: { inputs, outputs } };
}

/**
 * Hook for per-task calibration (model.json `tasks.<t>.calibration`, null today): a calibrator's nodes go
 * here, on the [batch, 1] probability, so both p_<task> and the fused score read the calibrated value.
 */
function calibrated(_b: OnnxBuilder, _task: string, p: string): string {
  return p;
}

/** linear: Σ w·p; product: Π max(p, floor)^w — as fusion/forms.ts `fusedScore` computes it (zero weights add nothing). */
function fusedScore(b: OnnxBuilder, fusion: FusionSpec, probs: readonly string[]): string {
  let used = probs.map((p, t) => ({ p, w: fusion.weights[t]! })).filter((x) => x.w !== 0);
  if (used.length === 0) used = [{ p: probs[0]!, w: 0 }];
  const floor = fusion.form === 'product' ? b.floats('floor', [], [PRODUCT_FLOOR]) : '';
  const terms = used.map(({ p, w }) => {
    const wv = b.floats('w', [], [w]);
    return fusion.form === 'linear' ? b.op('Mul', [p, wv]) : b.op('Pow', [b.op('Max', [p, floor]), wv]);
  });
  if (terms.length === 1) return terms[0]!;
  return fusion.form === 'linear'
    ? b.op('Sum', terms)
    : terms.slice(1).reduce((acc, t) => b.op('Mul', [acc, t]), terms[0]!);
}
