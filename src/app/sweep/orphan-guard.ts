/**
 * A trainer started by a sweep must not outlive it: `kill -9` of the sweep or of a queue worker would otherwise
 * leave an orphan writing into a run folder that another worker is about to resume. Training runs synchronous
 * steps on the main thread, so timers there never fire mid-epoch; a tiny worker thread watches the parent pid
 * instead and kills this process as soon as it has been re-parented.
 */
import { Worker } from 'node:worker_threads';

export const PARENT_PID_ENV = 'MTRANK_PARENT_PID';

const watcher = `
const { workerData } = require('node:worker_threads');
setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); }, 200);
`;

/** Starts the watch when the spawning process asked for it (it sets MTRANK_PARENT_PID to its own pid). */
export function exitWithParent(): void {
  const parent = Number(process.env[PARENT_PID_ENV]);
  if (!parent) return;
  if (process.ppid !== parent) process.exit(137);
  new Worker(watcher, { eval: true, workerData: parent }).unref();
}
