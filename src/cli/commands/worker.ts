import type { Command } from 'commander';
import { MtrankError } from '../../util/errors.js';
import { importOptional } from '../../util/optional-peer.js';

const positiveInt = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new MtrankError(`${flag} ${value}: expected a positive integer`);
  return n;
};

/** Test hook for sweep and worker: the trainer command as a JSON array (default: mtrank's own `train`). */
export const TRAINER_ENV = 'MTRANK_SWEEP_TRAINER';

/** `mtrank worker --queue URL --store DIR`: trains sweep trials from the queue until stopped (SIGINT/SIGTERM). */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run sweep trials from a Redis queue (mtrank sweep --queue) in trainer processes')
    .requiredOption('--queue <url>', 'the sweep queue, e.g. redis://127.0.0.1:6379/0')
    .requiredOption('--store <dir>', 'the trial store every worker and the coordinator see (a shared volume)')
    .option('--concurrency <n>', 'trials at a time on this machine', positiveInt('--concurrency'), 1)
    .option(
      '--stalled-ms <ms>',
      "how long a dead worker's trial stays locked before another worker resumes it",
      positiveInt('--stalled-ms'),
      30000,
    )
    .option(
      '--trainer-reuse <n>',
      'trials one trainer process runs before a fresh one (1: a new process per trial)',
      positiveInt('--trainer-reuse'),
      20,
    )
    .action(
      async (o: { queue: string; store: string; concurrency: number; stalledMs: number; trainerReuse: number }) => {
        const trainer = process.env[TRAINER_ENV];
        const { startQueueWorker } = await importOptional(
          () => import('../../app/sweep/worker.js'),
          'bullmq',
          'mtrank worker',
        );
        const worker = await startQueueWorker({
          queue: o.queue,
          store: o.store,
          concurrency: o.concurrency,
          stalledMs: o.stalledMs,
          trainerReuse: o.trainerReuse,
          trainCommand: trainer ? (JSON.parse(trainer) as string[]) : undefined,
        });
        await new Promise<void>((resolve) => {
          for (const sig of ['SIGINT', 'SIGTERM'] as const)
            process.once(sig, () => {
              process.stderr.write(
                `worker: ${sig}: stopping; a trial cut short here is resumed from its checkpoint by another worker\n`,
              );
              void worker.close().then(resolve);
            });
        });
      },
    );
}
