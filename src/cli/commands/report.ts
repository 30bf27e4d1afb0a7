import type { Command } from 'commander';

/** `mtrank report RUN_DIR`: RUN_DIR/report.html (self-contained) and RUN_DIR/charts/*.png. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report of a run (RUN_DIR/report.html) and PNG charts (RUN_DIR/charts/)')
    .argument('<run-dir>', 'run directory written by `mtrank train`')
    .option('--no-png', 'skip the PNG copies of the charts')
    .action(async (runDir: string, opts: { png: boolean }) => {
      const { writeRunReport } = await import('../../report/run-report.js');
      process.stdout.write(`${await writeRunReport(runDir, { png: opts.png })}\n`);
    });
}
