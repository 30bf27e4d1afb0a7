// Class 1 (locks) and kill -9: one writer per run directory, stale locks taken over, and a run killed at
// seeded random points never leaves a half-written or mixed directory; --resume then finishes it.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { cliAsync, outcome, project, tempLeftovers, train } from './fixture.js';
import { EXIT_CODES } from '../../src/util/errors.js';
import { lockRunDir, runDirLockOwner, LOCK_FILE } from '../../src/training/run-lock.js';
import { loadSavedRun } from '../../src/training/saved-run.js';
import { Rng } from '../../src/util/rng.js';

describe('run-directory lock', () => {
  it('a second writer gets a busy error naming the owner; release lets it in', async () => {
    const dir = project(400);
    const out = join(dir, 'run');
    const lock = lockRunDir(out, 'train');
    try {
      expect(runDirLockOwner(out)?.pid).toBe(process.pid);
      const r = await outcome(() => train(dir, out));
      expect(r.code).toBe(EXIT_CODES.busy);
      expect(r.line).toContain(`in use by process ${process.pid} ('mtrank train'`);
      expect(() => lockRunDir(out, 'train')).toThrow(/in use by process/);
    } finally {
      lock.release();
    }
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    expect((await outcome(() => train(dir, out))).code).toBe(0);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false); // released at the end
  }, 60_000);

  it('a stale lock (dead pid) or an old empty lock is taken over; a fresh empty one is respected', () => {
    const out = join(project(100), 'run');
    mkdirSync(out, { recursive: true });
    const deadPid = spawnSync('true').pid; // exited: its pid is free
    const lockPath = join(out, LOCK_FILE);
    writeFileSync(lockPath, JSON.stringify({ pid: deadPid, host: hostname(), command: 'train', startedAt: 'x' }));
    expect(runDirLockOwner(out)).toBeNull();
    lockRunDir(out, 'train').release();
    writeFileSync(lockPath, ''); // a crash between create and write, just now
    expect(() => lockRunDir(out, 'train')).toThrow(/in use by another process/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath, old, old);
    lockRunDir(out, 'train').release();
  });
});

describe('kill -9 during train', () => {
  it('at seeded random points: every artifact present is whole, and --resume (or --overwrite) completes the run', async () => {
    const dir = project(6000);
    const rng = new Rng(2026);
    const cases: string[] = [];
    for (let k = 0; k < 3; k++) {
      const out = join(dir, `run${k}`);
      const child = cliAsync(['train', join(dir, 'exp.yaml'), '--out', out, '--quiet', '--no-report']);
      // Listen for the exit first: on a fast machine the run may finish before the kill (then it is simply whole).
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
      // Kill after the CLI is up and some steps are done: wait for the first log line, then a random delay.
      await Promise.race([new Promise<void>((resolve) => child.stderr!.once('data', () => resolve())), exited]);
      await new Promise((r) => setTimeout(r, 200 + rng.int(1500)));
      child.kill('SIGKILL');
      const killed = (await exited) === 'SIGKILL';
      // Whole or absent: each JSON artifact parses; a model that is there loads (checksummed).
      for (const f of ['config.json', 'preprocess.json', 'run.json', 'metrics.json'])
        if (existsSync(join(out, f))) expect(() => JSON.parse(readFileSync(join(out, f), 'utf8')), f).not.toThrow();
      // A run killed mid-training loads as unfinished; one killed after it was marked finished (or that finished
      // before the kill) is whole: its metrics.json is there.
      if (existsSync(join(out, 'model', 'manifest.json')) && !loadSavedRun(out).unfinished)
        expect(existsSync(join(out, 'metrics.json'))).toBe(true);
      else if (!killed) expect(existsSync(join(out, 'metrics.json'))).toBe(true);
      const resumed = await outcome(() => train(dir, out, { resume: true }));
      if (resumed.code !== 0) {
        // killed before the first checkpoint: nothing to resume, start over
        expect(resumed.line).toMatch(/nothing to resume/);
        expect((await outcome(() => train(dir, out, { overwrite: true }))).code).toBe(0);
      }
      cases.push(resumed.code === 0 ? 'resumed' : 'restarted');
      expect(tempLeftovers(out)).toEqual([]);
      expect(existsSync(join(out, LOCK_FILE))).toBe(false);
      expect(loadSavedRun(out).unfinished).toBe(false);
      expect(readdirSync(out).sort()).toEqual(
        [
          'checkpoints',
          'config.json',
          'metrics.json',
          'metrics.jsonl',
          'model',
          'predictions',
          'preprocess.json',
          'run.json',
        ].sort(),
      );
    }
    expect(cases).toHaveLength(3);
  }, 120_000);
});
