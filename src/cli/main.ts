#!/usr/bin/env node
import { Command } from 'commander';

const program = new Command();
program.name('mtrank').description('Multi-task ranking models: train, tune, fuse and serve.').version('0.1.0');

// Each command lives in its own file under ./commands and registers itself here.
// (add one import + one call per command)

await program.parseAsync(process.argv);
