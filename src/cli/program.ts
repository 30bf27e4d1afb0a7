// The mtrank command line: every command, registered in workflow order.
import { Command } from 'commander';
import { mtrankVersion } from '../util/version.js';
import { registerReportCommand } from './commands/report.js';
import { registerCompareCommand } from './commands/compare.js';
import { registerSweepCommand } from './commands/sweep.js';
import { registerWorkerCommand } from './commands/worker.js';
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
import { registerServeCommand } from './commands/serve.js';
import { registerExportCommand } from './commands/export.js';

/**
 * The mtrank command line, built afresh for each command it runs: commander keeps parsed options on the program,
 * and a sweep's warm trainer runs one command after another in one process.
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('mtrank')
    .description('Multi-task ranking models: train, tune, fuse and serve.')
    .version(mtrankVersion());

  // Each command lives in its own file under ./commands and registers itself here (add one import + one call per
  // command, in the order of the workflow: `mtrank --help` lists them in this order). A command file declares its
  // options only; its action imports the code that does the work, so starting the CLI (--help, --version, or any one
  // command) loads nothing the other commands need.
  registerDemoCommand(program);
  registerSynthCommand(program);
  registerSchemaCommand(program);
  registerDataCommand(program);
  registerTrainCommand(program);
  registerEvaluateCommand(program);
  registerPredictCommand(program);
  registerCalibrateCommand(program);
  registerFuseCommand(program);
  registerReportCommand(program);
  registerCompareCommand(program);
  registerExportCommand(program);
  registerServeCommand(program);
  registerSweepCommand(program);
  registerWorkerCommand(program);
  registerPretrainCommand(program);
  return program;
}
