import type { Command } from 'commander';

/** `mtrank evaluate DIR`: the run's best model on one split. */
export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description(
      'evaluate a trained run on a split: AUC, logloss, GAUC, mean prediction vs label rate per task; with an item feature, AUC on seen vs unseen items (cold start)',
    )
    .argument('<run-dir>', 'run directory written by `mtrank train`')
    .option('--split <name>', 'train | valid | test', 'test')
    .option('--json', 'print the metrics as JSON')
    .action(async (dir: string, o: { split: string; json?: boolean }) => {
      const { evaluateRun } = await import('../../app/summary.js');
      process.stdout.write(`${await evaluateRun(dir, o.split, o.json ?? false)}\n`);
    });
}
