import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processAlive } from '../../src/util/pid.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(existsSync('/proc/self/stat'))('processAlive', () => {
  it('counts a live process, and not a zombie (dead, never reaped: it holds no lock)', async () => {
    // `sleep 0` becomes a child of `sleep 5` (exec replaces the shell), which never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombiePid = await new Promise<number>((r) => parent.stdout.once('data', (d) => r(Number(String(d).trim()))));
    try {
      const t0 = Date.now();
      const state = () => readFileSync(`/proc/${zombiePid}/stat`, 'utf8').split(') ')[1]![0];
      while (state() !== 'Z' && Date.now() - t0 < 5000) await sleep(20);
      expect(state()).toBe('Z'); // the fixture really made a zombie
      expect(processAlive(zombiePid)).toBe(false);
      expect(processAlive(parent.pid!)).toBe(true);
      expect(processAlive(process.pid)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
