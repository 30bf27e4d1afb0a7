// The typed scoring API: raw rows in (encoded exactly as in training, by the run's own preprocessing), per-task
// probabilities and the fused ranking score out; `rank` sorts one request's candidates by that score.
import type { EncodedSplit } from '../data/types.js';

import { outputValue } from '../fusion/outputs.js';
import { encodeRecords } from '../training/records.js';
import { MtrankError } from '../util/errors.js';
import { loadArtifact, type LoadedArtifact, type ModelInfo } from './artifact.js';
import { engineBackend, type Scores, type ScoringBackend } from './engine-backend.js';
import { onnxBackend } from './onnx-backend.js';
import { onnxRuntimeAvailable } from '../export/onnxruntime.js';
import { CHOICE_BATCHES, chooseBackend, type BackendChoice } from './backend-choice.js';
import { sampleEncodedRows } from '../export/sample-rows.js';
import { FORM_DEFS } from '../fusion/forms.js';
import { inputSpec } from '../training/saved-run.js';
import { withInductiveArtifact } from './inductive.js';

export type { ModelInfo };
export type Row = Record<string, unknown>;

export interface ScoredRow {
  /** The fused score (or the first task's probability when the run has no fusion; see `info.scoreSource`). */
  score: number;
  tasks: Record<string, number>;
}
export interface RankedItem extends ScoredRow {
  /** Position of the candidate in the request. */
  index: number;
  /** The candidate's item id (the run's item feature), when it has one. */
  id?: unknown;
}
export interface RankRequest {
  /** Fields shared by every candidate (user, time, device, …); a candidate's own fields win. */
  context?: Row;
  candidates: Row[];
  /** Return only the best topK. */
  topK?: number;
}
const BACKENDS = ['auto', 'engine', 'onnxruntime'] as const;
export type BackendName = (typeof BACKENDS)[number];
export interface LoadRankerOptions {
  /** 'auto' (default): the faster of the two on an export folder where onnxruntime-node is installed. */
  backend?: BackendName;
  /** An interaction log: its new items get inductive GraphSAGE vectors (runs with pretrained.graphsage). */
  interactions?: string;
}

export class Ranker {
  readonly info: ModelInfo;
  private closed = false;

  constructor(
    private readonly artifact: LoadedArtifact,
    private readonly backend: ScoringBackend,
    /** How 'auto' chose the backend (its timings), when it did. */
    readonly backendChoice?: BackendChoice,
  ) {
    this.info = artifact.info;
  }

  get tasks(): string[] {
    return this.info.tasks;
  }
  get preprocessor() {
    return this.artifact.run.preprocessor;
  }
  /** The run's data options (null values, delimiter), for reading feature tables like the training data. */
  get dataConfig() {
    return this.artifact.run.config.data;
  }
  get backendName(): string {
    return this.backend.name;
  }

  /**
   * Raw rows → model inputs with the run's fitted encoders, `context` under every row (bad values throw
   * MtrankError naming row and column); `oov` counts the values sent that a vocabulary does not hold.
   */
  encode(rows: readonly Row[], label = 'rows', context?: Row): EncodedSplit & { oov: Map<string, number> } {
    const split: EncodedSplit & { oov: Map<string, number> } = encodeRecords(this.artifact.run, rows, label, context);
    const value = outputValue(this.artifact.outputs, rows, label, context);
    if (value) split.value = value;
    // A finite but huge number (1e300) overflows float32 after its transform: refuse it rather than score NaN.
    const D = split.denseNames.length;
    for (let j = 0; j < split.dense.length; j++)
      if (!Number.isFinite(split.dense[j]!)) {
        const i = Math.floor(j / D),
          name = split.denseNames[j % D]!;
        const column = this.preprocessor.feature(name)?.column ?? name;
        const value = rows[i]![column] ?? context?.[column];
        throw new MtrankError(`${label}[${i}].${column}: ${String(value)} is out of range for this feature`);
      }
    return split;
  }

  /**
   * Per-task probabilities (task order; calibrated when the run is) and the ranking score (the fused score, or
   * the first task's probability without fusion) for encoded rows.
   */
  async predict(split: EncodedSplit): Promise<Scores> {
    if (this.closed) throw new MtrankError('this ranker was closed (its model was swapped out)');
    return this.backend.predict(split);
  }

  async score(rows: Row[]): Promise<ScoredRow[]> {
    if (rows.length === 0) return [];
    const s = await this.predict(this.encode(rows));
    return scoredRows(this.tasks, s.tasks, s.score);
  }

  async rank(req: RankRequest): Promise<RankedItem[]> {
    if (req.candidates.length === 0) return [];
    const s = await this.predict(this.encode(req.candidates, 'candidates', req.context));
    return rankItems(this.tasks, s.tasks, s.score, req.candidates, this.info.idColumn, req.topK);
  }

  /** Give the model's memory back; in-flight work must have finished. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.backend.close();
  }
}

/**
 * Load a run directory or an export folder (an export is checked against model.json's SHA-256s). Backends:
 * 'auto' (default): an export folder where onnxruntime-node is installed times both backends on sampled batches
 * and keeps the faster (backend-choice.ts), anything else runs on the engine; 'engine' (mtrank's own wasm engine);
 * 'onnxruntime' (an export's model.onnx, needs onnxruntime-node).
 */
export async function loadRanker(dir: string, opts: LoadRankerOptions = {}): Promise<Ranker> {
  const backend = opts.backend ?? 'auto';
  if (!BACKENDS.includes(backend))
    throw new MtrankError(`backend '${String(backend)}': expected ${BACKENDS.map((b) => `'${b}'`).join(', ')}`);
  let artifact = loadArtifact(dir),
    onnx: Uint8Array | null = null;
  if (backend === 'onnxruntime' && !artifact.manifest) {
    artifact.run.model.store.release();
    throw new MtrankError(`${dir}: backend 'onnxruntime' needs an export folder with model.onnx (mtrank export)`);
  }
  const useOrt =
    backend === 'onnxruntime' || (backend === 'auto' && !!artifact.manifest && (await onnxRuntimeAvailable()));
  if (opts.interactions) ({ artifact, onnx } = await withInductiveArtifact(artifact, opts.interactions, useOrt));
  const engine = () => engineBackend(artifact.run, artifact.outputs);
  if (!useOrt) return new Ranker(artifact, engine());
  let ort: ScoringBackend;
  try {
    ort = await onnxBackend(dir, artifact.manifest!, artifact.info.tasks, onnx);
  } catch (e) {
    artifact.run.model.store.release();
    throw e;
  }
  if (backend === 'onnxruntime') {
    // The run's encoders and calibration are still needed; its engine weights are not.
    artifact.run.model.store.release();
    return new Ranker(artifact, ort);
  }
  const eng = engine();
  const p = artifact.run.preprocessor;
  // an expected-value fusion: both backends multiply each row's business value in, so the batches carry one
  const fusion = artifact.outputs.fusion;
  const batches = CHOICE_BATCHES.map((n, k) =>
    sampleEncodedRows(
      inputSpec(p),
      p.multiFeatures.map((f) => f.maxLength),
      n,
      k + 1,
      !!fusion && FORM_DEFS[fusion.form].usesValue,
    ),
  );
  const choice = await chooseBackend(eng, ort, batches);
  const [keep, drop] = choice.chosen === 'onnxruntime' ? [ort, eng] : [eng, ort];
  drop.close();
  return new Ranker(artifact, keep, choice);
}

export function scoredRows(tasks: string[], probs: readonly Float32Array[], score: Float64Array): ScoredRow[] {
  const out: ScoredRow[] = new Array(score.length);
  for (let i = 0; i < score.length; i++) {
    const t: Record<string, number> = {};
    for (let k = 0; k < tasks.length; k++) t[tasks[k]!] = probs[k]![i]!;
    out[i] = { score: score[i]!, tasks: t };
  }
  return out;
}

/** Candidates by descending score (ties keep request order), cut to topK. */
export function rankItems(
  tasks: string[],
  probs: readonly Float32Array[],
  score: Float64Array,
  candidates: Row[],
  idColumn: string | undefined,
  topK?: number,
): RankedItem[] {
  const order = Array.from(score.keys()).sort((a, b) => score[b]! - score[a]! || a - b);
  const k = topK === undefined ? order.length : Math.min(topK, order.length);
  const out: RankedItem[] = new Array(k);
  for (let j = 0; j < k; j++) {
    const i = order[j]!;
    const t: Record<string, number> = {};
    for (let m = 0; m < tasks.length; m++) t[tasks[m]!] = probs[m]![i]!;
    const item: RankedItem = { index: i, score: score[i]!, tasks: t };
    const id = idColumn === undefined ? undefined : candidates[i]![idColumn];
    if (id !== undefined) item.id = id;
    out[j] = item;
  }
  return out;
}
