import type { Command } from 'commander';

/** `mtrank compare RUN_DIR... [--out FILE]`: validation curves and final metrics of several runs side by side. */
export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('compare runs: validation AUC per task overlaid, final metrics with differences against the first run')
    .argument('<run-dirs...>', 'run directories; the first is the reference')
    .option('--out <file>', 'HTML file to write (PNG charts go to <file>-charts/)', 'compare.html')
    .option('--no-png', 'skip the PNG copies of the charts')
    .action(async (runDirs: string[], opts: { out: string; png: boolean }) => {
      const { writeCompareReport } = await import('../../report/compare.js');
      const out = await writeCompareReport(
        runDirs.map((d) => ({ dirs: [d] })),
        { out: opts.out, png: opts.png },
      );
      process.stdout.write(`${out}\n`);
    });
}
