import type { Command } from 'commander';
import { counted } from '../../util/plural.js';

/** `mtrank predict DIR --input FILE --output FILE`: per-task scores (and the fused score) for raw rows. */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description(
      'score raw rows with a trained run: p_<task> per task, plus the fused score when DIR/fusion.json exists',
    )
    .argument('<run-dir>', 'run directory written by `mtrank train`')
    .requiredOption('--input <file>', "raw rows (CSV, TSV or Parquet, read with the run's data options)")
    .requiredOption(
      '--output <file>',
      'scores, one row per input row in input order: .csv, .parquet, or - for CSV on stdout',
    )
    .option('--keep <columns>', 'input columns copied in front of the scores, e.g. user_id,item_id', (v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .option('--allow-missing', 'score even when feature columns are absent (they take their missing-value encoding)')
    .option(
      '--interactions <file>',
      'interaction log (item column + pretrained.graphsage.user): new items get an inductive GraphSAGE vector from their users (runs whose item feature has pretrained.graphsage)',
    )
    .action(
      async (
        dir: string,
        o: { input: string; output: string; keep?: string[]; allowMissing?: boolean; interactions?: string },
      ) => {
        const { predictFile, vectorSourceLine } = await import('../../app/predict.js');
        const r = await predictFile(dir, o.input, o.output, {
          keep: o.keep,
          allowMissing: o.allowMissing,
          interactions: o.interactions,
        });
        process.stderr.write(
          `scored ${counted(r.rows, 'row')} (${r.tasks.join(', ')}${r.fused ? ', fused score' : ''}) into ${o.output}\n`,
        );
        for (const s of r.sources) process.stderr.write(`${vectorSourceLine(s)}\n`);
      },
    );
}
