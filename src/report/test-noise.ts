/**
 * How much a run's test AUC can be trusted, and what the data allows: per task the positives count and a
 * bootstrap 95% interval of the test AUC (resampled by group — users — when the predictions carry one, else by
 * row; the fusion bootstrap's resampler), and, for a run on the synthetic funnel, the oracle's AUC on the same
 * rows (funnel.oracle.json beside the data source).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readScores } from '../fusion/load.js';
import { labelledTask, positives } from '../fusion/missing-labels.js';
import { resampleWeights, weightedAucSorted } from '../fusion/bootstrap-sorted.js';
import { Rng } from '../util/rng.js';
import { MtrankError, placeMessage } from '../util/errors.js';

export interface TaskNoise {
  rows: number;
  positives: number;
  /** 2.5% and 97.5% quantiles of the AUC over the resamples. */
  lo: number;
  hi: number;
}

export interface TestNoise {
  resamples: number;
  by: 'group' | 'row';
  tasks: Record<string, TaskNoise>;
}

/** Bootstrap interval of each task's AUC on a predictions file (p_<task>, y_<task>, optional group). */
export async function testNoise(
  predictions: string,
  tasks: string[],
  resamples = 200,
  seed = 1,
): Promise<TestNoise | undefined> {
  if (!existsSync(predictions) || !tasks.length) return undefined;
  const s = await readScores(predictions, tasks);
  const rng = new Rng(seed).fork('test-noise');
  const out: Record<string, TaskNoise> = {};
  tasks.forEach((task, t) => {
    // Each task on its labelled rows (rows with a missing label are out of its AUC), with its own resamples.
    const { score, labels, group } = labelledTask(s.scores[t]!, s.labels[t]!, s.group);
    const rows = score.length,
      w = new Float64Array(rows),
      r = rng.fork(task);
    const order = Uint32Array.from({ length: rows }, (_, i) => i).sort((a, b) => score[a]! - score[b]!);
    const values = new Float64Array(resamples);
    for (let b = 0; b < resamples; b++) {
      resampleWeights(rows, group, r, w);
      values[b] = weightedAucSorted(order, score, labels, w);
    }
    const v = Float64Array.from(values.filter((x) => !Number.isNaN(x))).sort();
    const q = (p: number) => (v.length ? v[Math.min(v.length - 1, Math.round(p * (v.length - 1)))]! : NaN);
    out[task] = { rows, positives: positives(labels), lo: q(0.025), hi: q(0.975) };
  });
  return { resamples, by: s.group ? 'group' : 'row', tasks: out };
}

export interface OracleView {
  path: string;
  auc: Record<string, number | null>;
  aucNoAffinity: Record<string, number | null>;
  /** The attainable ceiling: the oracle without the latents of users and items unseen in training ({} in older files). */
  aucAttainable: Record<string, number | null>;
  /** Training rows below which a user or item counts as unseen (the written config's minCount). */
  minCount?: number;
  positives: Record<string, number>;
}

/**
 * The synthetic funnel's oracle for the test split, when the run's data source has a funnel.oracle.json beside
 * it (written by `mtrank synth` and the demo). Tasks are matched by name (click, cart, order).
 */
export function funnelOracleFor(config: Record<string, unknown>): OracleView | undefined {
  const data = config.data as { source?: unknown } | undefined;
  const source = Array.isArray(data?.source) ? data.source[0] : data?.source;
  if (typeof source !== 'string') return undefined;
  const path = join(dirname(source), 'funnel.oracle.json');
  if (!existsSync(path)) return undefined;
  let file: { minCount?: unknown; splits?: { test?: Partial<OracleView> } };
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as typeof file;
  } catch (e) {
    throw new MtrankError(placeMessage({ file: path }, `not valid JSON (${(e as Error).message})`));
  }
  const test = file.splits?.test;
  if (!test?.auc || !test.positives) throw new MtrankError(placeMessage({ file: path }, 'no splits.test oracle'));
  return {
    path,
    auc: test.auc,
    aucNoAffinity: test.aucNoAffinity ?? {},
    aucAttainable: test.aucAttainable ?? {},
    ...(typeof file.minCount === 'number' ? { minCount: file.minCount } : {}),
    positives: test.positives,
  };
}
