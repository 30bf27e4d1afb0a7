import type { Command } from 'commander';
import type { EarlyStopSpec } from '../../app/sweep/early-stop.js';
import { MtrankError } from '../../util/errors.js';
import { importOptional } from '../../util/optional-peer.js';
import { TRAINER_ENV } from './worker.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const positiveInt = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new MtrankError(`${flag} ${value}: expected a positive integer`);
  return n;
};
const number = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new MtrankError(`${flag} ${value}: expected a number`);
  return n;
};

export interface SweepCliOptions {
  grid: string[];
  parallel: number;
  seeds: number;
  out?: string;
  set: string[];
  png: boolean;
  earlyStop?: string;
  metric: string;
  grace: number;
  reduction: number;
  minTrials: number;
  pareto?: string;
  queue?: string;
  store?: string;
  status?: boolean;
  trainerReuse: number;
}

export function earlyStopOf(o: SweepCliOptions): EarlyStopSpec | undefined {
  if (o.earlyStop === undefined) return undefined;
  if (o.earlyStop !== 'asha' && o.earlyStop !== 'median')
    throw new MtrankError(`--early-stop ${o.earlyStop}: expected asha or median`);
  return { method: o.earlyStop, metric: o.metric, grace: o.grace, reduction: o.reduction, minTrials: o.minTrials };
}

export function paretoOf(o: SweepCliOptions): [string, string] | undefined {
  if (o.pareto === undefined) return undefined;
  const tasks = o.pareto.split(',').map((t) => t.trim());
  if (tasks.length !== 2 || tasks.some((t) => !t))
    throw new MtrankError(`--pareto ${o.pareto}: expected two task names, e.g. click,order`);
  return tasks as [string, string];
}

/** `mtrank sweep CONFIG --grid path=v1,v2 ...`: one training run per grid point (× seeds), then a comparison. */
export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description(
      'train every combination of the --grid values as separate runs (resumable), then write DIR/sweep.html and DIR/compare.html',
    )
    .argument('[config]', 'experiment config (YAML or JSON)')
    .option('--grid <path=values>', "an axis, e.g. 'tasks.order.labelWeight=1,10,100,500' (repeatable)", collect, [])
    .option(
      '--parallel <n>',
      'training processes at a time (at most the number of cores)',
      positiveInt('--parallel'),
      1,
    )
    .option('--seeds <k>', 'repeat each point with k seeds; the report shows mean ± std', positiveInt('--seeds'), 1)
    .option('--out <dir>', 'sweep directory (default runs/sweep-<config name>)')
    .option('--set <key=value>', 'config override for every run (repeatable)', collect, [])
    .option('--early-stop <method>', 'stop hopeless trials on their validation: asha or median')
    .option('--metric <name>', 'early-stop metric: mean-auc, <task>-auc or valid.<task>.auc', 'mean-auc')
    .option('--grace <steps>', 'first rung (asha) or first step judged (median)', positiveInt('--grace'), 200)
    .option(
      '--reduction <eta>',
      'asha: about 1 trial in eta passes each rung; rungs at grace·etaᵏ',
      number('--reduction'),
      3,
    )
    .option(
      '--min-trials <n>',
      'median: other trials needed at a step before judging it',
      positiveInt('--min-trials'),
      3,
    )
    .option('--pareto <task,task>', 'the two tasks of the Pareto chart in sweep.html (default: the first two)')
    .option('--queue <url>', 'run the trials on `mtrank worker`s through this Redis (redis://host:6379/0)')
    .option('--store <dir>', 'queue mode: the trial store every worker sees (a shared volume)')
    .option('--status', 'print the progress of the sweeps on --queue and exit')
    .option('--no-png', 'skip the PNG copies of the comparison charts')
    .option(
      '--trainer-reuse <n>',
      'local mode: trials one trainer process runs before a fresh one (1: a new process per trial)',
      positiveInt('--trainer-reuse'),
      20,
    )
    .action(async (config: string | undefined, opts: SweepCliOptions) => {
      if (opts.status) {
        if (!opts.queue) throw new MtrankError('--status needs --queue redis://...');
        const { queueStatus } = await importOptional(
          () => import('../../app/sweep/coordinator.js'),
          'bullmq',
          'queue mode',
        );
        process.stdout.write(`${await queueStatus(opts.queue)}\n`);
        return;
      }
      if (!config) throw new MtrankError('sweep needs a config file (or --status --queue URL)');
      if (opts.queue) {
        if (!opts.store) throw new MtrankError('--queue needs --store DIR, a directory every worker sees');
        if (opts.parallel !== 1)
          throw new MtrankError('--parallel is for local mode; with --queue, start more `mtrank worker`s');
        const { runQueueSweep } = await importOptional(
          () => import('../../app/sweep/coordinator.js'),
          'bullmq',
          'queue mode',
        );
        const r = await runQueueSweep({
          config,
          grids: opts.grid,
          seeds: opts.seeds,
          out: opts.out,
          sets: opts.set,
          queue: opts.queue,
          store: opts.store,
          earlyStop: earlyStopOf(opts),
          paretoTasks: paretoOf(opts),
        });
        process.stdout.write(`${r.report ?? ''}\n`);
        return;
      }
      if (opts.store) throw new MtrankError('--store is for queue mode (--queue redis://...)');
      const trainer = process.env[TRAINER_ENV];
      const { runSweep } = await import('../../app/sweep/local.js');
      const r = await runSweep({
        trainCommand: trainer ? (JSON.parse(trainer) as string[]) : undefined,
        config,
        grids: opts.grid,
        parallel: opts.parallel,
        seeds: opts.seeds,
        out: opts.out,
        sets: opts.set,
        png: opts.png,
        earlyStop: earlyStopOf(opts),
        paretoTasks: paretoOf(opts),
        trainerReuse: opts.trainerReuse,
      });
      process.stdout.write(`${r.sweepReport ?? ''}\n`);
    });
}
