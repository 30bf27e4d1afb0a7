import type { Command } from 'commander';
import { FUSION_SEARCHES } from '../../config/enums.js';
import { MtrankError } from '../../util/errors.js';
import type { FuseCommandOptions } from '../../fusion/run.js';
import { runDirFrom } from '../run-dir.js';

const num =
  (name: string, integer = false) =>
  (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
      throw new MtrankError(`--${name}: expected a positive ${integer ? 'integer' : 'number'}, got '${v}'`);
    return n;
  };
const count = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new MtrankError(`--${name}: expected a non-negative integer, got '${v}'`);
  return Number(v);
};
const collect = (v: string, all: string[]) => [...all, v];

/** `mtrank fuse`: search output weights that fuse per-task scores into one ranking score. */
export function registerFuseCommand(program: Command): void {
  program
    .command('fuse')
    .description(
      'find output weights that fuse the per-task scores into one ranking score (exact AUC/GAUC, both cores)',
    )
    .argument('[run-dir]', 'a trained run (same as --run)')
    .option(
      '--run <dir>',
      'a trained run: searches on predictions/<split>.csv, estimates on predictions/test.csv, saves fusion.json',
    )
    .option(
      '--scores <file>',
      'a CSV or Parquet file with per-task score and label columns (and an optional group column)',
    )
    .option('--test <file>', 'held-out file for the honest estimate (default with --run: predictions/test.csv)')
    .option('--split <name>', 'with --run: the split to search on', 'valid')
    .option('--tasks <list>', 'comma-separated task names (default: every score column with a label column)')
    .option('--score-col <template>', 'score column name, {task} replaced by the task', 'p_{task}')
    .option('--label-col <template>', 'label column name', 'y_{task}')
    .option('--group-col <name>', 'group column for GAUC', 'group')
    .option(
      '--objective <spec>',
      'auc:<task> | gauc:<task> | weighted-auc:<task>=<w>,... | value-auc:<task> | value-ndcg:<task>[@k] (value-*: positives weighted by --value; default: AUC of the rarest task, every task kept within 0.005 of its own score, else the smallest worst loss — over the linear, product and rank forms unless --form is given)',
    )
    .option(
      '--pick <spec>',
      "a point on the Pareto front: by preference 'order:2,click:1', or by constraints 'auc(click) >= base(click) - 0.01; auc(cart) >= 0.6'",
    )
    .option(
      '--search <name>',
      `${FUSION_SEARCHES.join(' | ')} (default grid; cmaes for many tasks, with --samples as budget)`,
    )
    .option(
      '--form <name>',
      'linear (Σ w·p) | product (Π p^w) | ensemble (Π (b+p)^w) | rank (Σ w·percentile(p)) | expected-value (value·Π p^w) (default linear)',
    )
    .option(
      '--value <column>',
      'business value column (price, GMV): expected-value form, value-auc / value-ndcg objectives',
    )
    .option('--offsets <list>', "ensemble form: offset b per task, e.g. 'click=0.1,order=0.01' (default 1)")
    .option('--step <x>', 'grid step over [0, 1] (default 0.1)', num('step'))
    .option('--refine', 'coordinate ascent with finer steps around the best point found')
    .option(
      '--samples <n>',
      'random / cmaes search: weight vectors to evaluate (default fusion.budget, else 1000)',
      num('samples', true),
    )
    .option('--constraint <expr>', "e.g. 'auc(click) >= base(click) - 0.005' (repeatable)", collect, [])
    .option(
      '--bootstrap <n>',
      'resamples (by group, else by row) for 95% intervals of the top 20 candidates; 0: choose by the point estimate',
      count('bootstrap'),
    )
    .option('--config <file>', 'experiment config whose fusion: section gives defaults')
    .option('--threads <n>', 'worker threads (results do not depend on it)', num('threads', true), 2)
    .option('--seed <n>', 'random search seed', count('seed'), 42)
    .option('--out <file>', 'also write the result JSON here')
    .option('--json', 'print the result as JSON')
    .action(async (runDir: string | undefined, o: FuseCommandOptions & { json?: boolean }) => {
      const run = runDirFrom('fuse', runDir, o.run);
      const [{ default: cliProgress }, { formatSummary, fusionFile, runFuseCommand }] = await Promise.all([
        import('cli-progress'),
        import('../../fusion/run.js'),
      ]);
      const bar =
        !o.json && process.stderr.isTTY
          ? new cliProgress.SingleBar(
              {
                stream: process.stderr,
                format: 'fuse [{bar}] {value}/{total} rankings | {eta_formatted}',
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : null;
      let started = false;
      const onProgress = bar
        ? (done: number, total: number) => {
            if (!started) {
              bar.start(total, 0);
              started = true;
            }
            bar.setTotal(total);
            bar.update(done);
            if (done === total) {
              bar.stop();
              started = false;
            }
          }
        : undefined;
      try {
        const r = await runFuseCommand({ ...o, ...(run !== undefined ? { run } : {}), onProgress });
        process.stdout.write(
          o.json ? `${JSON.stringify({ ...fusionFile(r), savedTo: r.savedTo })}\n` : `${formatSummary(r)}\n`,
        );
      } finally {
        if (started) bar?.stop();
      }
    });
}
