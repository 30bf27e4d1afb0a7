import type { Command } from 'commander';
import { runSweep } from '../../app/sweep/local.js';
import { MtrankError } from '../../util/errors.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const positiveInt = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new MtrankError(`${flag} ${value}: expected a positive integer`);
  return n;
};

/** `mtrank sweep CONFIG --grid path=v1,v2 ...`: one training run per grid point (× seeds), then a comparison. */
export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description(
      'train every combination of the --grid values as separate runs (resumable), then write DIR/compare.html',
    )
    .argument('<config>', 'experiment config (YAML or JSON)')
    .requiredOption(
      '--grid <path=values>',
      "an axis, e.g. 'tasks.order.labelWeight=1,10,100,500' (repeatable)",
      collect,
      [],
    )
    .option(
      '--parallel <n>',
      'training processes at a time (at most the number of cores)',
      positiveInt('--parallel'),
      1,
    )
    .option('--seeds <k>', 'repeat each point with k seeds; the report shows mean ± std', positiveInt('--seeds'), 1)
    .option('--out <dir>', 'sweep directory (default runs/sweep-<config name>)')
    .option('--set <key=value>', 'config override for every run (repeatable)', collect, [])
    .option('--no-png', 'skip the PNG copies of the comparison charts')
    .action(
      async (
        config: string,
        opts: { grid: string[]; parallel: number; seeds: number; out?: string; set: string[]; png: boolean },
      ) => {
        const r = await runSweep({
          config,
          grids: opts.grid,
          parallel: opts.parallel,
          seeds: opts.seeds,
          out: opts.out,
          sets: opts.set,
          png: opts.png,
        });
        process.stdout.write(`${r.report ?? ''}\n`);
      },
    );
}
