import { MISSING_LABEL } from '../data/types.js';
import { MtrankError } from '../util/errors.js';

/** The label-weight part of a task's config. */
export interface LabelWeightConfig {
  labelWeight?: number | 'auto';
  /** Share of the negatives' total weight that the positives should carry under `auto` (default 0.5). */
  positiveShare?: number;
}

/**
 * The weight of a positive example's loss. `auto` makes the positives weigh `positiveShare` of the negatives'
 * total: w · P = share · N, so w = share · (1 − rate) / rate with rate = P / (P + N) the training label rate.
 * A click rate of 10% with share 0.5 gives w = 4.5.
 */
export function resolveLabelWeight(task: string, cfg: LabelWeightConfig, labels: Uint8Array): number {
  const w = cfg.labelWeight ?? 1;
  if (w !== 'auto') {
    if (!(w > 0) || !Number.isFinite(w))
      throw new MtrankError(`tasks.${task}.labelWeight must be a positive number or 'auto', got ${w}`);
    return w;
  }
  const share = cfg.positiveShare ?? 0.5;
  if (!(share > 0) || !Number.isFinite(share))
    throw new MtrankError(`tasks.${task}.positiveShare must be a positive number, got ${share}`);
  const rate = labelRate(labels);
  if (rate === 0)
    throw new MtrankError(`tasks.${task}: labelWeight 'auto' needs positives, but the training split has none`);
  if (rate === 1)
    throw new MtrankError(`tasks.${task}: labelWeight 'auto' needs negatives, but every training label is positive`);
  return (share * (1 - rate)) / rate;
}

/** Fraction of ones among the labelled rows of a 0/1 label column (MISSING_LABEL rows left out). */
export function labelRate(labels: Uint8Array): number {
  let pos = 0,
    n = 0;
  for (let i = 0; i < labels.length; i++)
    if (labels[i] !== MISSING_LABEL) {
      pos += labels[i]!;
      n++;
    }
  return n ? pos / n : 0;
}
