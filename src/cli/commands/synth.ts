import type { Command } from 'commander';
import { FUNNEL_DEFAULTS as D } from '../../data/synth-defaults.js';
import { MtrankError } from '../../util/errors.js';

function number(name: string, integer: boolean) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)))
      throw new MtrankError(`${name}: expected ${integer ? 'an integer' : 'a number'}, got '${v}'`);
    return n;
  };
}

/** `mtrank synth --rows N --out DIR`: the synthetic e-commerce funnel (CSV, sequences, ready config). */
export function registerSynthCommand(program: Command): void {
  program
    .command('synth')
    .description(
      'generate the synthetic e-commerce funnel: DIR/funnel.csv, DIR/sequences.txt, DIR/funnel.yaml, DIR/funnel.oracle.json',
    )
    .requiredOption('--rows <n>', 'impressions to generate', number('--rows', true))
    .requiredOption('--out <dir>', 'output directory')
    .option('--seed <n>', 'random seed', number('--seed', true), D.seed)
    .option(
      '--users <n>',
      'number of users (independent of rows: more rows = more impressions per user)',
      number('--users', true),
      D.users,
    )
    .option('--items <n>', 'number of items (independent of rows)', number('--items', true), D.items)
    .option(
      '--days <n>',
      'days covered (the time column; the last two are valid and test)',
      number('--days', true),
      D.days,
    )
    .option('--click-rate <x>', 'clicks per impression', number('--click-rate', false), D.clickRate)
    .option('--cart-rate <x>', 'add-to-carts per impression', number('--cart-rate', false), D.cartRate)
    .option('--order-rate <x>', 'orders per impression', number('--order-rate', false), D.orderRate)
    .option(
      '--new-item-share <x>',
      'share of items introduced after day 0',
      number('--new-item-share', false),
      D.newItemShare,
    )
    .option(
      '--latent-dim <n>',
      'dimension of the user and item latent vectors (the user × item affinity)',
      number('--latent-dim', true),
      D.latentDim,
    )
    .option('--parquet', 'also write DIR/funnel.parquet (the config then points at it)')
    .action(
      async (o: {
        rows: number;
        out: string;
        seed: number;
        users: number;
        items: number;
        days: number;
        latentDim: number;
        clickRate: number;
        cartRate: number;
        orderRate: number;
        newItemShare: number;
        parquet?: boolean;
      }) => {
        const start = performance.now();
        const { writeFunnel } = await import('../../data/synth.js');
        const { formatOracle } = await import('../../data/synth-oracle.js');
        const w = await writeFunnel(o.out, {
          rows: o.rows,
          seed: o.seed,
          users: o.users,
          items: o.items,
          days: o.days,
          clickRate: o.clickRate,
          cartRate: o.cartRate,
          orderRate: o.orderRate,
          newItemShare: o.newItemShare,
          latentDim: o.latentDim,
          parquet: o.parquet,
        });
        process.stdout.write(
          `wrote ${w.rows} rows in ${((performance.now() - start) / 1000).toFixed(1)} s:\n  ${w.csv}\n${w.parquet ? `  ${w.parquet}\n` : ''}  ${w.sequences}\n  ${w.config}  (mtrank train ${w.config})\n  ${w.oraclePath}\n\n${formatOracle(w.oracle)}\n`,
        );
      },
    );
}
