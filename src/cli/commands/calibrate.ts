import type { Command } from 'commander';
import { MtrankError } from '../../util/errors.js';
import { runDirFrom } from '../run-dir.js';

/** `mtrank calibrate`: calibrated probabilities for a trained run (calibration.json, used by fuse and predict). */
export function registerCalibrateCommand(program: Command): void {
  program
    .command('calibrate')
    .description(
      'undo the label weights (p / (p + w·(1 − p))) and optionally fit Platt or isotonic per task on valid; writes DIR/calibration.json',
    )
    .argument('[run-dir]', 'a trained run (same as --run)')
    .option('--run <dir>', 'a trained run (reads predictions/valid.csv, test.csv and metrics.jsonl)')
    .option('--method <name>', 'analytic | platt | isotonic (after undoing the label weight)', 'analytic')
    .action(async (runDir: string | undefined, o: { run?: string; method: string }) => {
      const run = runDirFrom('calibrate', runDir, o.run);
      if (run === undefined) throw new MtrankError('calibrate: give the run directory: mtrank calibrate runs/a');
      const { formatCalibration, runCalibrateCommand } = await import('../../fusion/calibrate-run.js');
      const r = await runCalibrateCommand({ ...o, run });
      process.stdout.write(`${formatCalibration(r.file, r.path)}\n${r.note ? `${r.note}\n` : ''}`);
    });
}
