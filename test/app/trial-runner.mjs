// A stand-in for a queue worker process in the tests: runs one trial (spec JSON in argv[2], store in argv[3])
// with the real trainer, as `mtrank worker` does for each job.
import { readFileSync } from 'node:fs';
import { defaultTrainCommand } from '../../dist/app/sweep/child.js';
import { runTrial } from '../../dist/app/sweep/run-trial.js';
import { TrialStore } from '../../dist/app/sweep/store.js';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const outcome = await runTrial(spec, new TrialStore(process.argv[3]), { trainCommand: defaultTrainCommand() });
console.log(JSON.stringify(outcome));
