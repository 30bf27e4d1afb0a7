import type { Command } from 'commander';

/** `mtrank calibrate`: calibrated probabilities for a trained run (calibration.json, used by fuse and predict). */
export function registerCalibrateCommand(program: Command): void {
  program
    .command('calibrate')
    .description(
      'undo the label weights (p / (p + w·(1 − p))) and optionally fit Platt or isotonic per task on valid; writes DIR/calibration.json',
    )
    .requiredOption('--run <dir>', 'a trained run (reads predictions/valid.csv, test.csv and metrics.jsonl)')
    .option('--method <name>', 'analytic | platt | isotonic (after undoing the label weight)', 'analytic')
    .action(async (o: { run: string; method: string }) => {
      const { formatCalibration, runCalibrateCommand } = await import('../../fusion/calibrate-run.js');
      const r = await runCalibrateCommand(o);
      process.stdout.write(`${formatCalibration(r.file, r.path)}\n`);
    });
}
