import type { Command } from 'commander';

const collect = (v: string, all: string[]) => [...all, v];

/** `mtrank data inspect CONFIG`: rows, label rates, vocabularies, cold-start shares, numeric summaries. */
export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('inspect and prepare the data of an experiment config');
  data
    .command('inspect')
    .description(
      'encode (or reuse the cache) and print rows, label rates, vocabularies, cold-start shares and numeric summaries',
    )
    .argument('<config>', 'experiment config (YAML or JSON)')
    .option('--set <key=value>', 'override a config value (repeatable)', collect, [])
    .option('--no-cache', 're-encode even when a cached encoding exists')
    .option('--json', 'print the report as JSON')
    .action(async (path: string, o: { set: string[]; cache: boolean; json?: boolean }) => {
      const [{ loadConfig }, { prepareData }, { formatInspect, inspectData }] = await Promise.all([
        import('../../config/load.js'),
        import('../../data/prepare.js'),
        import('../../data/inspect.js'),
      ]);
      const config = loadConfig(path, o.set);
      const d = await prepareData(config, {
        useCache: o.cache,
        onProgress: (e) => {
          if (!o.json) process.stderr.write(`${e.message}\n`);
        },
      });
      const report = inspectData(d);
      process.stdout.write(o.json ? `${JSON.stringify(report)}\n` : `${formatInspect(report)}\n`);
    });
}
