import { readdirSync, readFileSync } from 'node:fs';

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
