// The typed scoring API: raw rows in (encoded exactly as in training, by the run's own preprocessing), per-task
// probabilities and the fused ranking score out; `rank` sorts one request's candidates by that score.
import type { EncodedSplit } from '../data/types.js';
import { fusedColumn } from '../fusion/forms.js';
import { encodeRecords } from '../training/records.js';
import { MtrankError } from '../util/errors.js';
import { loadArtifact, type LoadedArtifact, type ModelInfo } from './artifact.js';
import { engineBackend, type ScoringBackend } from './engine-backend.js';
import { withInductiveArtifact } from './inductive.js';
import { onnxBackend } from './onnx-backend.js';

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
export interface LoadRankerOptions {
  backend?: 'engine' | 'onnxruntime';
  /** An interaction log: its new items get inductive GraphSAGE vectors (runs with pretrained.graphsage). */
  interactions?: string;
}

export class Ranker {
  readonly info: ModelInfo;
  private closed = false;

  constructor(
    private readonly artifact: LoadedArtifact,
    private readonly backend: ScoringBackend,
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

  /** Raw rows → model inputs with the run's fitted encoders (bad values throw MtrankError naming row and column). */
  encode(rows: Row[], label = 'rows'): EncodedSplit {
    const split = encodeRecords(this.artifact.run, rows, label);
    // A finite but huge number (1e300) overflows float32 after its transform: refuse it rather than score NaN.
    const D = split.denseNames.length;
    for (let j = 0; j < split.dense.length; j++)
      if (!Number.isFinite(split.dense[j]!)) {
        const i = Math.floor(j / D),
          name = split.denseNames[j % D]!;
        const column = this.preprocessor.feature(name)?.column ?? name;
        throw new MtrankError(`${label}[${i}].${column}: ${String(rows[i]![column])} is out of range for this feature`);
      }
    return split;
  }

  /** Per-task probabilities (task order) for encoded rows. */
  async predict(split: EncodedSplit): Promise<Float32Array[]> {
    if (this.closed) throw new MtrankError('this ranker was closed (its model was swapped out)');
    return this.backend.predict(split);
  }

  /** The ranking score of each row: the fused score, or the first task's probability without fusion. */
  fuse(probs: readonly Float32Array[]): Float64Array {
    const f = this.artifact.fusion;
    return f ? fusedColumn(f.form, f.weights, probs) : Float64Array.from(probs[0]!);
  }

  async score(rows: Row[]): Promise<ScoredRow[]> {
    if (rows.length === 0) return [];
    const probs = await this.predict(this.encode(rows));
    return scoredRows(this.tasks, probs, this.fuse(probs));
  }

  async rank(req: RankRequest): Promise<RankedItem[]> {
    const rows = mergeContext(req.context, req.candidates);
    if (rows.length === 0) return [];
    const probs = await this.predict(this.encode(rows, 'candidates'));
    return rankItems(this.tasks, probs, this.fuse(probs), req.candidates, this.info.idColumn, req.topK);
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
 * 'engine' (default; mtrank's own wasm engine) or 'onnxruntime' (an export's model.onnx, needs onnxruntime-node).
 */
export async function loadRanker(dir: string, opts: LoadRankerOptions = {}): Promise<Ranker> {
  const backend = opts.backend ?? 'engine';
  if (backend !== 'engine' && backend !== 'onnxruntime')
    throw new MtrankError(`backend '${String(backend)}': expected 'engine' or 'onnxruntime'`);
  let artifact = loadArtifact(dir),
    onnx: Uint8Array | null = null;
  if (backend === 'onnxruntime' && !artifact.manifest) {
    artifact.run.model.store.release();
    throw new MtrankError(`${dir}: backend 'onnxruntime' needs an export folder with model.onnx (mtrank export)`);
  }
  if (opts.interactions)
    ({ artifact, onnx } = await withInductiveArtifact(artifact, opts.interactions, backend === 'onnxruntime'));
  if (backend === 'engine') return new Ranker(artifact, engineBackend(artifact.run));
  // The run's encoders and fusion are still needed; its engine weights are not.
  artifact.run.model.store.release();
  return new Ranker(artifact, await onnxBackend(dir, artifact.manifest!, artifact.info.tasks, onnx));
}

/** Each candidate with the context's fields underneath its own. */
function mergeContext(context: Row | undefined, candidates: Row[]): Row[] {
  return context ? candidates.map((c) => ({ ...context, ...c })) : candidates;
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
