import { MtrankError } from '../util/errors.js';

export type ScheduleConfig =
  | { type: 'constant' }
  | { type: 'warmup-decay'; warmupSteps?: number; decaySteps?: number; minLr?: number; decay?: 'linear' | 'cosine' };

/**
 * Learning rate at a step (0-based). `warmup-decay` ramps linearly from lr/warmupSteps up to lr over
 * `warmupSteps`, then decays (cosine by default) to `minLr` over `decaySteps` (default: the rest of training)
 * and stays there.
 */
export function learningRate(
  schedule: ScheduleConfig | undefined,
  baseLr: number,
  step: number,
  totalSteps: number,
): number {
  if (!schedule || schedule.type === 'constant') return baseLr;
  if (schedule.type !== 'warmup-decay')
    throw new MtrankError(
      `training.schedule.type must be 'constant' or 'warmup-decay', got '${(schedule as { type: string }).type}'`,
    );
  const warm = Math.max(0, schedule.warmupSteps ?? 0);
  const minLr = schedule.minLr ?? 0;
  if (step < warm) return (baseLr * (step + 1)) / warm;
  const decaySteps = Math.max(1, schedule.decaySteps ?? totalSteps - warm);
  const t = Math.min(1, (step - warm) / decaySteps);
  const f = schedule.decay === 'linear' ? 1 - t : 0.5 * (1 + Math.cos(Math.PI * t));
  return minLr + (baseLr - minLr) * f;
}
