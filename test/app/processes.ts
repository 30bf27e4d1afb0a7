import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDirLockOwner } from '../../src/training/run-lock.js';

/** Live processes whose command line mentions `text` (Linux /proc): trainers of a given run folder. */
export function processesWith(text: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * Live trainers of a trial's work folder: processes started for it (its path in their command line) and the
 * process holding its run folder's lock (a warm trainer's command line names no trial).
 */
export function trainersOf(workDir: string): number[] {
  const owner = runDirLockOwner(join(workDir, 'run'));
  return [...new Set([...processesWith(workDir), ...(owner ? [owner.pid] : [])])];
}
