import type { Command } from 'commander';
import { MtrankError } from '../../util/errors.js';

const collect = (v: string, all: string[]) => [...all, v];

/** `mtrank train CONFIG`: a complete run directory (model, metrics, predictions). */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a multi-task model from an experiment config into a run directory')
    .argument('<config>', 'experiment config (YAML or JSON)')
    .option('--out <dir>', 'run directory (default runs/<config name>)')
    .option('--resume', "continue from the run directory's last checkpoint (same config, same result)")
    .option('--seed <n>', 'override the config seed', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new MtrankError(`--seed: expected an integer, got '${v}'`);
      return n;
    })
    .option('--set <key=value>', 'override a config value, e.g. tasks.order.labelWeight=100 (repeatable)', collect, [])
    .option('--overwrite', 'replace the run already in the directory (its artifacts are removed first)')
    .option('--quiet', 'log lines instead of a progress bar')
    .option('--no-report', 'skip writing DIR/report.html at the end')
    .action(
      async (
        config: string,
        o: {
          out?: string;
          resume?: boolean;
          overwrite?: boolean;
          seed?: number;
          set: string[];
          quiet?: boolean;
          report: boolean;
        },
      ) => {
        const { runTraining } = await import('../../training/run.js');
        const r = await runTraining({
          config,
          out: o.out,
          resume: o.resume,
          overwrite: o.overwrite,
          seed: o.seed,
          set: o.set,
          quiet: o.quiet,
        });
        const { formatTestTable } = await import('../../app/summary.js');
        process.stdout.write(`${formatTestTable(r)}\n`);
        if (o.report) {
          const { writeRunReport } = await import('../../report/run-report.js');
          process.stderr.write(`report: ${await writeRunReport(r.dir, { png: false })}\n`);
        }
      },
    );
}
