#!/usr/bin/env node
import { exitWithFailure } from './fail.js';
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  exitWithFailure(err);
}
