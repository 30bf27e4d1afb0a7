// The training loop: seeded batches, per-task weighted losses, loss weighting, clipping, LR schedule,
// periodic evaluation with early stopping and per-task best steps, atomic checkpoints and exact resume.
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Graph } from '../engine/graph.js';
import { scratch, setThreads } from '../engine/kernels.js';
import { clipGradNorm } from '../engine/clip.js';
import { loadCheckpoint } from '../engine/checkpoint.js';
import { createOptimizer, type OptimizerType } from '../engine/optim/index.js';
import type { Optimizer } from '../engine/optim/optimizer.js';
import type { Tensor } from '../engine/tensor.js';
import type { ExperimentConfig } from '../config/schema.js';
import type { EncodedSplit } from '../data/types.js';
import type { RowBatch } from '../data/batches.js';
import { createModel, featureSpec } from '../models/index.js';
import type { MultiTaskModel } from '../models/model.js';
import { createLossWeighting, type LossWeighting } from '../weighting/index.js';
import { Rng } from '../util/rng.js';
import { abortError, MtrankError } from '../util/errors.js';
import { epochBatches, epochOrder, gatherBatch, trainColumns, trainSample, type TrainSplit } from './batches.js';
import { taskLosses } from './loss.js';
import { learningRate } from './schedule.js';
import { resolveLabelWeight } from './label-weight.js';
import { EarlyStopping } from './early-stopping.js';
import { evaluateSplit, type SplitMetrics } from './evaluation.js';
import { MetricsLog } from './metrics-log.js';
import { runPaths } from './run-dir.js';
import { hasCheckpoint, loadModelWeights, nonFiniteGradient, saveFiniteCheckpoint } from './checkpoints.js';
import { silentProgress, type TrainProgress } from './progress.js';
import type { Preprocessor } from '../features/preprocessor.js';
import { loadPretrainedTables, withPretrainedGroups } from '../pretrain/pipeline.js';
import { pretrainedLrGroups } from '../pretrain/modes.js';
import { counted } from '../util/plural.js';

export interface TrainData {
  /** In memory, or streamed from the cache (data.memoryLimitMb; src/data/batches.ts openStreamedSplit). */
  train: TrainSplit;
  valid: EncodedSplit;
}

export interface TrainOptions {
  config: ExperimentConfig;
  data: TrainData;
  /** Run directory (checkpoints, metrics log, best model). */
  dir: string;
  /** Continue from the last checkpoint in dir. */
  resume?: boolean;
  progress?: TrainProgress;
  /**
   * Aborting stops after the current step: the checkpoint of that step is saved, then the promise rejects with
   * an AbortError (an MtrankError named 'AbortError'); `resume` continues exactly there. With a signal the loop
   * yields to the event loop after every step, so an abort from a timer or a request lands mid-training.
   */
  signal?: AbortSignal;
  /** Stop (as if interrupted) once this many steps are done; for tests of --resume. */
  haltAfterStep?: number;
  /** The fitted preprocessing: needed when features use pretrained vectors (their initial tables). */
  preprocessor?: Preprocessor;
}

export interface TrainResult {
  model: MultiTaskModel;
  labelWeights: Record<string, number>;
  /** Step of the best evaluation by the early-stopping monitor (the weights in dir/model). */
  bestStep: number;
  /** Each task's best valid AUC and its step. */
  taskBest: Record<string, { step: number; auc: number }>;
  steps: number;
  totalSteps: number;
  stoppedEarly: boolean;
  skippedBatches: number;
  trainExamplesPerSec: number;
  lastValid: SplitMetrics | null;
}

interface TrainerState {
  step: number;
  /** Early stopping ended the run: a resume has nothing left to do. */
  stopped: boolean;
  skipped: number;
  examples: number;
  trainSeconds: number;
  earlyStopping: ReturnType<EarlyStopping['state']>;
  weighting: unknown;
}

/** Label weights from the training labels, per task in config order. */
export function labelWeightsFor(config: ExperimentConfig, train: Pick<EncodedSplit, 'labels'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, t] of Object.entries(config.tasks)) {
    const y = train.labels[name];
    if (!y) throw new MtrankError(`tasks.${name}: the training split has no labels for this task`);
    out[name] = resolveLabelWeight(name, t, y);
  }
  return out;
}

/** [dense, embeddings]; pretrained tables get their own rate (embedding lr × lrScale) through groups. */
export function createOptimizers(config: ExperimentConfig, model: MultiTaskModel): Optimizer[] {
  const t = config.training;
  const make = (o: typeof t.optimizer, scope: 'dense' | 'embeddings', groups?: Record<string, { lr: number }>) => {
    const { type, ...rest } = o;
    return createOptimizer(type as OptimizerType, model.store, { ...rest, scope, ...(groups ? { groups } : {}) });
  };
  const pretrained = Object.fromEntries(
    Object.entries(config.features).map(([n, f]) => [n, f.type === 'categorical' ? { pretrained: f.pretrained } : {}]),
  );
  return [
    make(t.optimizer, 'dense'),
    make(t.embeddingOptimizer, 'embeddings', pretrainedLrGroups(pretrained, t.embeddingOptimizer.lr)),
  ];
}

export function applyThreads(threads: number | 'auto'): void {
  setThreads(threads === 'auto' ? Math.max(1, availableParallelism()) : threads);
}

/** Train a model on data.train, evaluating on data.valid; the best weights end up in dir/model. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { config, data } = opts;
  const tc = config.training;
  const paths = runPaths(opts.dir);
  const progress = opts.progress ?? silentProgress;
  applyThreads(tc.threads);

  const rows = data.train.rows;
  if (rows === 0) throw new MtrankError('the training split is empty');
  const stepsPerEpoch = Math.ceil(rows / tc.batchSize);
  const totalSteps = stepsPerEpoch * tc.epochs;

  const model = createModel(config, withPretrainedGroups(featureSpec(trainColumns(data.train)), config.features));
  // Pretrained vectors overwrite their tables' random initialisation (a resume then loads the checkpoint over them).
  const wanted = Object.keys(config.features).filter((n) => {
    const f = config.features[n]!;
    return f.type === 'categorical' && f.pretrained;
  });
  if (wanted.length && !opts.preprocessor)
    throw new MtrankError(
      `features ${wanted.join(', ')} use pretrained vectors: train() needs the fitted preprocessor (TrainOptions.preprocessor)`,
    );
  const pretrained = opts.preprocessor
    ? loadPretrainedTables(model.store, opts.preprocessor, config, stepsPerEpoch)
    : null;
  const tasks = model.tasks;
  const optimizers = createOptimizers(config, model);
  const weighting = createLossWeighting(
    tc.lossWeighting,
    tasks.map((name) => ({ name, lossWeight: config.tasks[name]!.lossWeight })),
    { seed: config.seed },
  );
  if (weighting.needs === 'shared-grads' && !model.sharesRepresentation) {
    throw new MtrankError(
      `training.lossWeighting '${weighting.method}' balances gradients at a shared representation; ${model.type === 'single-task' ? "model type 'single-task'" : "model.taskEmbeddings 'per-task'"} shares nothing`,
    );
  }
  const labelWeights = labelWeightsFor(config, data.train);
  const lw = tasks.map((t) => labelWeights[t]!);
  const earlyStopping = new EarlyStopping(tc.earlyStopping === false ? { patience: 0 } : tc.earlyStopping, tasks);

  const sample = trainSample(data.train, trainSampleRows(rows, data.valid.rows, config.seed));

  const log = new MetricsLog(paths.metricsLog);
  const state: TrainerState = {
    step: 0,
    stopped: false,
    skipped: 0,
    examples: 0,
    trainSeconds: 0,
    earlyStopping: earlyStopping.state(),
    weighting: null,
  };
  if (opts.resume) {
    if (!hasCheckpoint(paths.last))
      throw new MtrankError(`${paths.last}: nothing to resume (no checkpoint has been written yet)`);
    const saved = loadCheckpoint(paths.last, model.store, optimizers) as TrainerState;
    Object.assign(state, saved);
    earlyStopping.load(saved.earlyStopping);
    weighting.load(saved.weighting);
    log.truncateAfter(state.step);
  } else {
    rmSync(paths.last, { recursive: true, force: true });
    rmSync(paths.model, { recursive: true, force: true });
    log.reset();
    log.write({ type: 'config', ...config });
    log.write({ type: 'labelWeights', weights: labelWeights });
    if (pretrained?.features.length) log.write({ type: 'pretrained', features: pretrained.features });
  }

  const saveLast = () => {
    state.earlyStopping = earlyStopping.state();
    state.weighting = weighting.state();
    saveFiniteCheckpoint(paths.last, model.store, optimizers, state);
  };

  let lastValid: SplitMetrics | null = null;
  let stoppedEarly = state.stopped;
  const evaluate = (step: number) => {
    const trainM = evaluateSplit(model, sample.split, sample.rows, 'train').metrics;
    const lossWeights = weighting.describe();
    log.write({ type: 'eval', step, split: 'train', tasks: trainM, lossWeights });
    // Without a validation split there is nothing to select on: the final weights are the result.
    if (data.valid.rows === 0) {
      progress.eval(step, Object.fromEntries(tasks.map((t) => [t, trainM[t]!.auc])));
      return false;
    }
    const valid = evaluateSplit(model, data.valid, undefined, 'valid').metrics;
    log.write({ type: 'eval', step, split: 'valid', tasks: valid, lossWeights });
    const { improved, newTaskBests } = earlyStopping.update(step, valid);
    for (const t of newTaskBests) log.write({ type: 'best', task: t, step, auc: valid[t]!.auc });
    if (improved)
      saveFiniteCheckpoint(paths.model, model.store, null, {
        step,
        monitor: earlyStopping.monitor,
        score: earlyStopping.best,
      });
    progress.eval(step, Object.fromEntries(tasks.map((t) => [t, valid[t]!.auc])));
    lastValid = valid;
    return earlyStopping.shouldStop;
  };

  const logEvery = Math.max(1, Math.floor(tc.evalEvery / 10));
  const lossSum = new Float64Array(tasks.length);
  let lossCount = 0;
  let batches: Iterator<RowBatch> = [][Symbol.iterator](),
    batchesEpoch = -1;
  progress.start(totalSteps, state.step);
  try {
    while (state.step < totalSteps && !stoppedEarly) {
      const step = state.step,
        epoch = Math.floor(step / stepsPerEpoch),
        inEpoch = step % stepsPerEpoch;
      if (epoch !== batchesEpoch) {
        batches = epochBatches(data.train, config.seed, epoch, tc.batchSize, inEpoch);
        batchesEpoch = epoch;
      }
      const batch = batches.next();
      if (batch.done) throw new Error(`trainer: epoch ${epoch} ended before step ${step + 1}`);
      const idx = batch.value.rows;
      const lr = learningRate(tc.schedule, tc.optimizer.lr, step, totalSteps);
      const factor = lr / tc.optimizer.lr; // the embeddings follow the same schedule from their own base rate
      pretrained?.modes.beforeStep(step); // freeze / unfreeze pretrained tables
      const t0 = performance.now();
      const r = trainStep({
        model,
        optimizers,
        weighting,
        labelWeights: lw,
        step,
        lrs: [lr, tc.embeddingOptimizer.lr * factor],
        clipNorm: tc.clipNorm,
        batchRows: idx,
        split: batch.value.split,
        seed: config.seed,
      });
      pretrained?.modes.afterStep(); // concat: appended IDs read the learned OOV row
      state.trainSeconds += (performance.now() - t0) / 1000;
      state.examples += idx.length;
      state.step = step + 1;
      if (r.nonFinite) {
        if (tc.onNonFinite === 'stop')
          throw new MtrankError(
            `training stopped at step ${step + 1}: ${r.nonFinite} (lower the learning rate, set training.clipNorm, or set training.onNonFinite: skip)`,
          );
        state.skipped++;
        log.write({ type: 'skip', step: state.step, reason: r.nonFinite });
        progress.message(`step ${state.step}: skipped the batch, ${r.nonFinite}`);
      } else {
        r.losses.forEach((l, t) => {
          lossSum[t] += l;
        });
        lossCount++;
      }
      if (lossCount > 0 && (state.step % logEvery === 0 || state.step === totalSteps)) {
        const taskLoss = Object.fromEntries(tasks.map((t, k) => [t, lossSum[k]! / lossCount]));
        log.write({ type: 'train', step: state.step, epoch, loss: r.weightedLoss, taskLoss, lr });
        progress.step(
          state.step,
          Object.values(taskLoss).reduce((a, b) => a + b, 0),
        );
        lossSum.fill(0);
        lossCount = 0;
      } else progress.step(state.step, NaN);
      const atEnd = state.step === totalSteps;
      if (state.step % tc.evalEvery === 0 || atEnd) {
        if (evaluate(state.step)) {
          stoppedEarly = state.stopped = !atEnd;
        }
      }
      if (state.step % tc.checkpointEvery === 0 || atEnd || stoppedEarly) saveLast();
      if (stoppedEarly) {
        progress.message(
          `early stopping at step ${state.step}: ${earlyStopping.monitor} has not improved for ${counted(earlyStopping.patience, 'evaluation')} (best at step ${earlyStopping.bestStep})`,
        );
        break;
      }
      if (opts.haltAfterStep !== undefined && state.step >= opts.haltAfterStep) break;
      if (opts.signal) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (opts.signal.aborted) {
          saveLast();
          throw abortError(
            `training aborted at step ${state.step} of ${totalSteps}; ${opts.dir} keeps the checkpoint of that step (resume continues it)`,
            opts.signal.reason,
          );
        }
      }
    }
  } finally {
    progress.stop();
  }
  // The best weights (by the monitor) are what the run delivers; fall back to the last ones if no evaluation improved.
  if (hasCheckpoint(paths.model)) loadModelWeights(paths.model, model.store);
  return {
    model,
    labelWeights,
    bestStep: earlyStopping.bestStep >= 0 ? earlyStopping.bestStep : state.step,
    taskBest: earlyStopping.taskBest,
    steps: state.step,
    totalSteps,
    stoppedEarly,
    skippedBatches: state.skipped,
    lastValid,
    trainExamplesPerSec: state.trainSeconds > 0 ? state.examples / state.trainSeconds : 0,
  };
}

export interface StepInput {
  model: MultiTaskModel;
  optimizers: Optimizer[];
  weighting: LossWeighting;
  labelWeights: number[];
  step: number;
  /** Learning rate per optimizer this step. */
  lrs: number[];
  clipNorm: number;
  split: EncodedSplit;
  batchRows: Int32Array;
  seed: number;
}

export interface StepResult {
  losses: number[];
  weights: number[];
  weightedLoss: number;
  /** Why the step was not applied (a NaN/Inf loss or gradient), or null. */
  nonFinite: string | null;
}

/**
 * One optimisation step. With a loss-level weighting the weighted loss is backpropagated once. With a
 * gradient-level one (needs 'shared-grads') the heads run backward once per task to the detached shared
 * representation H to get dL_t/dH, the strategy weighs (or combines) them, the heads run backward once more
 * with the weighted losses, and the result flows through the shared part: one forward, no second one.
 */
export function trainStep(s: StepInput): StepResult {
  const r = computeGradients(s);
  if (r.nonFinite) return r;
  const store = s.model.store;
  const norm = clipGradNorm(store, s.clipNorm);
  if (!Number.isFinite(norm)) {
    const what = `the gradient of parameter '${nonFiniteGradient(store) ?? '?'}' is not finite`;
    store.zeroGrad();
    return { ...r, nonFinite: what };
  }
  s.optimizers.forEach((o, k) => {
    o.setLr(s.lrs[k]!);
    o.step();
  });
  return r;
}

/** Forward and backward of one batch: leaves the weighted gradients in the parameters (nothing updated). */
export function computeGradients(s: Omit<StepInput, 'optimizers' | 'lrs' | 'clipNorm'>): StepResult {
  const { model, weighting, step } = s;
  const store = model.store;
  const g = new Graph({ training: true, rng: new Rng(s.seed).fork(`dropout/${step}`) });
  const batch = gatherBatch(s.split, s.batchRows, model.tasks, scratch);
  const perTask = weighting.needs === 'shared-grads';
  const out = model.forward(g, batch, { detachShared: perTask });
  const Z: Tensor = out.logits.length === 1 ? out.logits[0]! : g.concat(out.logits);
  const B = batch.rows,
    T = model.tasks.length;
  const { losses, grads } = taskLosses(
    { Z: Z.data, rows: B, chains: model.chains, labels: batch.labels, labelWeights: s.labelWeights },
    (n) => scratch.f32(n),
  );
  const fail = (what: string): StepResult => {
    store.zeroGrad();
    return { losses, weights: [], weightedLoss: NaN, nonFinite: what };
  };
  for (let t = 0; t < T; t++) {
    if (!Number.isFinite(losses[t]!)) return fail(`the loss of task '${model.tasks[t]}' is ${losses[t]}`);
    if (!allFinite(grads[t]!)) return fail(`the gradient of task '${model.tasks[t]}' at its logits is not finite`);
  }
  store.zeroGrad();
  let sharedGrads: Float32Array[] | undefined;
  if (perTask) {
    const H = out.detached!;
    sharedGrads = grads.map((seed, t) => {
      // A task whose loss reads only its own logit backpropagates through its own head alone; a chained
      // (ESMM) task needs the concatenated logits.
      // Only dL_t/dH is wanted here: no parameter gradients (the weighted pass below computes those).
      if (model.chains[t]!.length === 1 && out.logits.length > 1)
        g.backward(out.logits[t]!, column(seed, B, T, t), { paramGrads: false });
      else g.backward(Z, seed, { paramGrads: false });
      const dH = scratch.f32Raw(H.grad!.length); // per-step memory, like every other array of the step
      dH.set(H.grad!);
      H.grad!.fill(0);
      return dH;
    });
    const bad = sharedGrads.findIndex((dH) => !allFinite(dH));
    if (bad >= 0) return fail(`the gradient of task '${model.tasks[bad]}' at the shared representation is not finite`);
  }
  const weights = weighting.weights({ step, losses, sharedGrads });
  const seed = scratch.f32(B * T).fill(0);
  grads.forEach((gr, t) => {
    const w = weights[t]!;
    for (let i = 0; i < gr.length; i++) seed[i] = seed[i]! + w * gr[i]!;
  });
  g.backward(Z, seed);
  if (perTask) {
    const H = out.detached!;
    const dH = weighting.combine ? weighting.combine({ step, losses, sharedGrads }, weights) : H.grad!;
    g.backward(out.shared!, dH);
  }
  return { losses, weights, weightedLoss: losses.reduce((a, l, t) => a + weights[t]! * l, 0), nonFinite: null };
}

/** Column t of a B×T row-major matrix, as a B×1 seed. */
function column(m: Float32Array, B: number, T: number, t: number): Float32Array {
  const c = scratch.f32(B);
  for (let i = 0; i < B; i++) c[i] = m[i * T + t]!;
  return c;
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

/** The training rows scored at each evaluation: as many as valid has, at least 2000, at most 20000. */
export function trainSampleRows(rows: number, validRows: number, seed: number): Int32Array {
  return sampleRows(rows, Math.min(20000, Math.max(2000, validRows)), seed);
}

/** A fixed random subset of training rows, scored at every evaluation for the train-vs-valid curves. */
export function sampleRows(rows: number, n: number, seed: number): Int32Array {
  const all = epochOrder(rows, seed, -1);
  return all.slice(0, Math.min(rows, n)).sort();
}
