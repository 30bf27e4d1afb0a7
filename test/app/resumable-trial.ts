/** A small synthetic funnel and trial settings that train in seconds with frequent checkpoints (resume tests). */
import { join } from 'node:path';
import { writeFunnel } from '../../src/data/index.js';

export async function resumableTrial(root: string, epochs = 6): Promise<{ config: string; sets: string[] }> {
  const funnel = await writeFunnel(join(root, 'data'), {
    rows: 6000,
    seed: 3,
    days: 6,
    clickRate: 0.2,
    cartRate: 0.05,
    orderRate: 0.02,
  });
  return {
    config: funnel.config,
    sets: [
      'model.bottom=[16]',
      'model.tower=[8]',
      `training.epochs=${epochs}`,
      'training.batchSize=128',
      'training.evalEvery=20',
      'training.checkpointEvery=10',
      'training.threads=1',
      `data.cacheDir=${join(root, 'cache')}`,
    ],
  };
}
