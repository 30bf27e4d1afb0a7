import type { Command } from 'commander';
import { MtrankError } from '../../util/errors.js';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new MtrankError(`--${name}: expected a non-negative integer, got '${v}'`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new MtrankError(`--${name}: expected a non-negative number, got '${v}'`);
  return n;
};
const intList = (name: string) => (v: string) => v.split(',').map((s) => int(name)(s.trim()));
const say = (s: string) => process.stdout.write(`${s}\n`);

const UNTIL_HELP =
  'only rows with the time column (--until-column, default --time) before VALUE: a number, or a timestamp such as 2022-04-20 (as data.split.testFrom); keeps the test period out of pretraining';
const UNTIL_COLUMN_HELP = "the column --until compares, when not --time (e.g. the config's time split column)";
const WHERE_HELP = 'only rows where this DuckDB filter expression holds, e.g. "date < 20220420"';

/** "kept 36,121 of 41,828 log rows" when --until / --where filtered the log. */
function filterLine(
  f: { fileRows: number; keptRows: number } | undefined,
  o: { until?: string; untilColumn?: string; where?: string },
): string {
  if (!f) return '';
  const by = [
    o.until !== undefined ? `--until ${o.until}${o.untilColumn ? ` on ${o.untilColumn}` : ''}` : '',
    o.where !== undefined ? `--where ${o.where}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return `kept ${f.keptRows.toLocaleString('en-US')} of ${f.fileRows.toLocaleString('en-US')} log rows (${by})`;
}

/** `mtrank pretrain item2vec|graphsage`: ID embeddings from an interaction log, written in word2vec text format. */
export function registerPretrainCommand(program: Command): void {
  const pretrain = program
    .command('pretrain')
    .description('pretrain ID embeddings from an interaction log (item2vec, GraphSAGE)');

  pretrain
    .command('item2vec')
    .description(
      'skip-gram with negative sampling over per-user behaviour sequences (grouped by --user, ordered by --time)',
    )
    .requiredOption('--input <log>', 'interaction log (.csv, .tsv or .parquet)')
    .requiredOption('--user <col>', 'user column')
    .requiredOption('--item <col>', 'item column')
    .option('--time <col>', "time column that orders each user's sequence (default: log order)")
    .option('--until <value>', UNTIL_HELP)
    .option('--until-column <col>', UNTIL_COLUMN_HELP)
    .option('--where <sql>', WHERE_HELP)
    .requiredOption('--out <file>', 'output vectors (.vec/.txt word2vec text, .bin binary, .csv)')
    .option('--dim <n>', 'vector size', int('dim'), 32)
    .option('--window <n>', 'max distance between center and context item', int('window'), 5)
    .option('--min-count <n>', 'drop items seen fewer times', int('min-count'), 1)
    .option('--sample <t>', 'sub-sampling threshold of frequent items (0 = off)', num('sample'), 1e-3)
    .option('--negative <n>', 'negative samples per pair', int('negative'), 5)
    .option('--epochs <n>', 'passes over the sequences', int('epochs'), 5)
    .option('--alpha <lr>', 'starting learning rate (decays linearly)', num('alpha'), 0.025)
    .option('--threads <n>', 'worker threads (1 = bit-repeatable; more = Hogwild, not repeatable)', int('threads'), 2)
    .option('--seed <n>', 'random seed', int('seed'), 42)
    .action(async (o) => {
      const { runItem2vec } = await import('../../pretrain/run.js');
      const r = await runItem2vec(o);
      if (r.filter) say(filterLine(r.filter, o));
      say(
        `item2vec: ${r.items} items, ${r.sequences} sequences, ${r.pairs} pairs in ${r.seconds.toFixed(2)} s ` +
          `(${Math.round(r.pairsPerSecond)} pairs/s, ${r.threads} thread${r.threads > 1 ? 's' : ''}) → ${o.out}`,
      );
    });

  pretrain
    .command('graphsage')
    .description('unsupervised GraphSAGE (mean aggregator, sampled neighbours, link prediction) on the user–item graph')
    .requiredOption('--input <log>', 'interaction log (.csv, .tsv or .parquet)')
    .requiredOption('--user <col>', 'user column')
    .requiredOption('--item <col>', 'item column')
    .option('--time <col>', 'time column (for --until)')
    .option('--until <value>', UNTIL_HELP)
    .option('--until-column <col>', UNTIL_COLUMN_HELP)
    .option('--where <sql>', WHERE_HELP)
    .option(
      '--features <cols>',
      'numeric log columns averaged per item as item features (comma-separated)',
      (v: string) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
    )
    .requiredOption(
      '--out <file>',
      'item vectors (plain item IDs); user vectors go to NAME.users.EXT unless --user-out',
    )
    .option('--user-out <file>', 'user vectors (plain user IDs)')
    .option('--model-out <file>', 'model file (JSON) for inductive embedding of new nodes at predict time')
    .option('--dim <n>', 'vector size', int('dim'), 32)
    .option('--layers <n>', 'GraphSAGE layers', int('layers'), 2)
    .option('--fanout <list>', 'neighbours sampled per layer, outermost first', intList('fanout'))
    .option('--negative <n>', 'negative items per batch', int('negative'), 5)
    .option('--epochs <n>', 'passes over the edges', int('epochs'), 5)
    .option('--batch-size <n>', 'edges per step', int('batch-size'), 256)
    .option('--lr <lr>', 'Adam learning rate', num('lr'), 0.01)
    .option(
      '--input-dropout <p>',
      "probability of hiding a node's own input vector in training (inductive robustness)",
      num('input-dropout'),
      0.5,
    )
    .option('--no-id-input', 'no learned per-node input vectors (needs --features)')
    .option('--seed <n>', 'random seed', int('seed'), 42)
    .action(async (o) => {
      const { runGraphSage } = await import('../../pretrain/run.js');
      const r = await runGraphSage({
        ...o,
        fanout: o.fanout,
        onEpoch: (e) => say(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)} (${e.seconds.toFixed(2)} s)`),
      });
      if (r.filter) say(filterLine(r.filter, o));
      const mean = r.epochSeconds.reduce((a, b) => a + b, 0) / r.epochSeconds.length;
      say(
        `graphsage: ${r.graph.users.length} users, ${r.graph.items.length} items, ${r.graph.edges.length / 2} edges; ` +
          `${mean.toFixed(2)} s/epoch → ${o.out} (items), ${r.userOut} (users)${o.modelOut ? `, ${o.modelOut} (model)` : ''}`,
      );
    });
}
