#!/usr/bin/env node
import { Command } from 'commander';
import { MtrankError } from '../util/errors.js';
import { registerReportCommand } from './commands/report.js';
import { registerCompareCommand } from './commands/compare.js';
import { registerSweepCommand } from './commands/sweep.js';
import { registerPretrainCommand } from './commands/pretrain.js';
import { registerFuseCommand } from './commands/fuse.js';
import { registerCalibrateCommand } from './commands/calibrate.js';
import { registerTrainCommand } from './commands/train.js';
import { registerEvaluateCommand } from './commands/evaluate.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerSchemaCommand } from './commands/schema.js';
import { registerSynthCommand } from './commands/synth.js';
import { registerDataCommand } from './commands/data.js';

const program = new Command();
program.name('mtrank').description('Multi-task ranking models: train, tune, fuse and serve.').version('0.1.0');

// Each command lives in its own file under ./commands and registers itself here.
// (add one import + one call per command)
registerReportCommand(program);
registerCompareCommand(program);
registerSweepCommand(program);
registerPretrainCommand(program);
registerCalibrateCommand(program);
registerFuseCommand(program);
registerTrainCommand(program);
registerEvaluateCommand(program);
registerPredictCommand(program);
registerDemoCommand(program);
registerSchemaCommand(program);
registerSynthCommand(program);
registerDataCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A user-facing error gets its message alone; anything else is a bug and keeps its stack.
  if (err instanceof MtrankError) {
    process.stderr.write(`mtrank: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
