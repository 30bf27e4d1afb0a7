import type { Command } from 'commander';
import { DEMO_ROWS } from '../../app/defaults.js';
import { MtrankError } from '../../util/errors.js';

/** `mtrank demo` (what `npm start` runs): funnel → Shared-Bottom → fusion → runs/demo/report.html. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job: synthesise a funnel, train Shared-Bottom with label weights, search output weights, write runs/demo/report.html',
    )
    .option('--out <dir>', 'run directory', 'runs/demo')
    .option('--rows <n>', `impressions to synthesise (default ${DEMO_ROWS})`, (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1000) throw new MtrankError(`--rows: expected an integer ≥ 1000, got '${v}'`);
      return n;
    })
    .option('--seed <n>', 'seed of the data and the training', (v) => Number(v), 42)
    .option('--quiet', 'log lines instead of a progress bar')
    .action(async (o: { out: string; rows?: number; seed: number; quiet?: boolean }) => {
      const { runDemo } = await import('../../app/demo.js');
      await runDemo(o);
    });
}
