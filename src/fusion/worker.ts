/** Worker entry: scores chunks of weight vectors with its own ComboScorer over the shared columns. */
import { parentPort, workerData } from 'node:worker_threads';
import { ComboScorer, metricsWidth, type ScoreRequest, type ScoringData } from './scorer.js';

const data = workerData as ScoringData;
const scorer = new ComboScorer(data);
const T = data.columns.length,
  width = metricsWidth(T);

parentPort!.on('message', (m: { id: number; start: number; weights: Float64Array; request: ScoreRequest }) => {
  const count = m.weights.length / T;
  const metrics = new Float64Array(count * width);
  for (let k = 0; k < count; k++) scorer.score(m.weights.subarray(k * T, (k + 1) * T), m.request, metrics, k * width);
  parentPort!.postMessage({ id: m.id, start: m.start, metrics }, [metrics.buffer]);
});
