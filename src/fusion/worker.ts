/** Worker entry: scores chunks of weight vectors with its own ComboScorer per data set over the shared columns. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ChunkMessage } from './pool.js';
import { ComboScorer, metricsWidth, type ScoringData } from './scorer.js';

const datas = workerData as ScoringData[];
const scorers = datas.map((d) => new ComboScorer(d));
const T = datas[0]!.columns.length,
  width = metricsWidth(T);

parentPort!.on('message', (m: ChunkMessage) => {
  const scorer = scorers[m.part]!;
  const count = m.weights.length / T;
  const metrics = new Float64Array(count * width);
  for (let k = 0; k < count; k++) scorer.score(m.weights.subarray(k * T, (k + 1) * T), m.request, metrics, k * width);
  parentPort!.postMessage({ id: m.id, start: m.start, metrics }, [metrics.buffer]);
});
