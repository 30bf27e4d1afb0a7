/**
 * mtrank's public entry: `import { train, loadRun, fuse, ... } from 'mtrank'`.
 * The compute engine, for people who write their own models, is `mtrank/engine`; metrics are `mtrank/metrics`.
 */
export { train, loadRun, Run, type TrainOptions, type TrainEvent } from './app/run.js';
export { fuse, FUSE_DEFAULTS, type FuseOptions, type TaskScores } from './app/fuse.js';
export type { RowScores } from './app/predict.js';
export type { RunMetricsJson as RunMetrics } from './training/run.js';
export type { RunEvaluation } from './app/summary.js';
export type { SplitMetrics, TaskMetrics } from './training/evaluation.js';
export type { FusionResult, Combination } from './fusion/fuse.js';
export type { Objective } from './fusion/objectives.js';
export type { FusionForm } from './fusion/forms.js';

// Export: a run as a serving artifact folder (model.onnx + model.json), checked and fed generically.
export { exportRun, type ExportOptions, type ExportResult } from './export/export.js';
export { readArtifact, type Manifest, type ManifestFeature, type ManifestTask } from './export/manifest.js';
export { encodedFeeds, type Feed } from './export/feeds.js';
export { verifyExport, type VerifyResult } from './export/verify.js';
export type { OnnxInput, OnnxOutput } from './export/onnx-model.js';

// Config: the typed experiment (ExperimentConfigInput is what you write; ExperimentConfig has defaults filled in).
export { loadConfig, parseConfig, configJsonSchema } from './config/index.js';
export type {
  ExperimentConfig,
  ExperimentConfigInput,
  DataConfig,
  FeatureConfig,
  CategoricalFeatureConfig,
  MultiCategoricalFeatureConfig,
  NumericFeatureConfig,
  SplitConfig,
  TaskConfig,
  OptimizerConfig,
  ModelConfig,
  TrainingConfig,
  FusionConfig,
} from './config/index.js';

// Data: the synthetic funnel and the encoded splits training reads.
export { writeFunnel as synth, generateFunnel } from './data/synth.js';
export type { FunnelOptions, FunnelData, WrittenFunnel } from './data/synth.js';
export { prepareData, encodeData, encodeRows, streamBatches } from './data/index.js';
export type { PreparedData, PrepareOptions, EncodedSplit, SplitName } from './data/index.js';

// Pretraining: item2vec and GraphSAGE vectors from an interaction log, and the word2vec formats.
export { runItem2vec as pretrainItem2vec, runGraphSage as pretrainGraphSage } from './pretrain/run.js';
export type { Item2vecJob, Item2vecReport, GraphSageJob, GraphSageReport } from './pretrain/run.js';
export { readVectors, writeVectors, type WordVectors } from './features/word2vec-io.js';
export { saveGraphSage, loadGraphSage } from './pretrain/graphsage-io.js';

// Serving: a ranker over a run or export folder (engine or onnxruntime backend, 'auto' = the faster), and the
// HTTP server.
export { loadRanker, Ranker } from './serve/ranker.js';
export type {
  BackendName,
  LoadRankerOptions,
  ModelInfo,
  RankedItem,
  RankRequest,
  Row,
  ScoredRow,
} from './serve/ranker.js';
export type { BackendChoice } from './serve/backend-choice.js';
export { createServer } from './serve/server.js';
export type { RankingServer, ServeOptions, ServerApp } from './serve/server.js';

export { MtrankError } from './util/errors.js';
