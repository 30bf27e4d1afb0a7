#!/usr/bin/env node
/**
 * A warm trainer: one process that runs a worker's trials one after another, so the CLI's modules, the wasm engine
 * and V8's optimised code carry over from one trial to the next (a fresh process spends ~1.4 CPU s of a ~2.4 CPU s
 * bench trial loading and re-optimising them). Started by `warmTrainers` (trainers.ts), which sends
 * `{ type: 'train', args, log }` and waits for `{ type: 'done' }`. Each trial's output goes to its own log.
 *
 * Only a clean finish keeps the process: a trial that fails (config or data error, a bug) ends it with the exit
 * code `mtrank train` would have had, and a stopped or killed trial ends with it, so a trial never starts in a
 * process that something went wrong in. It dies with its parent like every sweep trainer (orphan guard).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { exitWithParent } from './orphan-guard.js';

export type HostRequest = { type: 'train'; args: string[]; log: string };
export type HostReply = { type: 'ready' } | { type: 'done' };

type Write = typeof process.stdout.write;

/** Sends this trial's stdout and stderr (progress lines, warnings, the failure line) to its log file. */
function redirectOutput(fd: number): () => void {
  const saved: [Write, Write] = [process.stdout.write, process.stderr.write];
  const write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    if (typeof chunk === 'string') writeSync(fd, chunk);
    else writeSync(fd, chunk);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }) as Write;
  process.stdout.write = write;
  process.stderr.write = write;
  return () => {
    [process.stdout.write, process.stderr.write] = saved;
  };
}

async function serve(): Promise<void> {
  const { buildProgram } = await import('../../cli/program.js');
  const { exitWithFailure } = await import('../../cli/fail.js');
  // Loaded now, while the parent waits for 'ready', rather than inside the first trial.
  await import('../../training/run.js');
  await import('../summary.js');
  const reply = (m: HostReply) => process.send!(m);
  process.on('message', (m: HostRequest) => {
    void (async () => {
      const fd = openSync(m.log, 'a');
      const restore = redirectOutput(fd);
      try {
        await buildProgram().parseAsync(m.args, { from: 'user' });
      } catch (err) {
        exitWithFailure(err); // writes its line into the trial's log and ends this process with its exit code
      }
      restore();
      closeSync(fd);
      reply({ type: 'done' });
    })();
  });
  reply({ type: 'ready' });
}

exitWithParent();
if (!process.send) {
  process.stderr.write('trainer-host: started without an IPC channel; it is run by mtrank sweep and mtrank worker\n');
  process.exit(2);
}
await serve();
