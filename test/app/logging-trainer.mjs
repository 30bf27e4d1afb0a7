// mtrank's real trainer (the sweep's trainer entry), logging one line per start ("start <out> fresh|resume <pid>")
// and per exit ("exit <out> <code>") to $TRAINER_CALLS, so tests can count how often each trial trained and how
// often it ran to completion. A trainer killed with SIGKILL logs no exit.
import { appendFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const out = argv[argv.indexOf('--out') + 1];
const calls = process.env.TRAINER_CALLS;
if (calls) {
  appendFileSync(calls, `start ${out} ${argv.includes('--resume') ? 'resume' : 'fresh'} ${process.pid}\n`);
  process.on('exit', (code) => appendFileSync(calls, `exit ${out} ${code}\n`));
}
await import('../../dist/app/sweep/trainer-entry.js');
