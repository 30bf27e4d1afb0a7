// A stand-in for a queue worker process in the tests: runs one trial (spec JSON in argv[2], store in argv[3])
// with the real trainer, as `mtrank worker` does for each job (a warm trainer process, its default).
import { readFileSync } from 'node:fs';
import { runTrial } from '../../dist/app/sweep/run-trial.js';
import { TrialStore } from '../../dist/app/sweep/store.js';
import { warmTrainers } from '../../dist/app/sweep/trainers.js';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const trainer = warmTrainers();
const outcome = await runTrial(spec, new TrialStore(process.argv[3]), { trainer });
await trainer.close();
console.log(JSON.stringify(outcome));
