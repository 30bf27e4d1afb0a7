import type { Command } from 'commander';
import { configJsonSchema } from '../../config/schema.js';

/** `mtrank schema`: print the experiment config's JSON Schema (for editor completion). */
export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the experiment config')
    .action(() => {
      process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    });
}
