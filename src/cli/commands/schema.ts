import type { Command } from 'commander';

/** `mtrank schema`: print the experiment config's JSON Schema (for editor completion). */
export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the experiment config')
    .action(async () => {
      const { configJsonSchema } = await import('../../config/schema.js');
      process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    });
}
