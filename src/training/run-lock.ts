/**
 * The run-directory lock: at most one process writes a run directory (train, resume, or a sweep's trial).
 *
 *   const lock = lockRunDir(dir, 'train');   // throws MtrankError (kind 'busy', exit code 4) when held
 *   try { ... } finally { lock.release(); }
 *
 * The lock is `DIR/.mtrank.lock`, created exclusively (O_EXCL) and holding the owner's pid, host, command and
 * start time. A lock whose owner is gone (no such pid on this host) or that was left empty by a crash is stale
 * and is taken over. `runDirLockOwner(dir)` tells whether a live process holds it (for a sweep that must not
 * start a trial while an old trainer still writes).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MtrankError } from '../util/errors.js';
import { processAlive } from '../util/pid.js';

export const LOCK_FILE = '.mtrank.lock';

export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

export interface RunLock {
  readonly path: string;
  release(): void;
}

// A lock file younger than this may be one whose owner is still writing its content.
const EMPTY_LOCK_GRACE_MS = 5000;

/** Take the lock of `dir` (created if needed) for `command`, or throw naming the process that holds it. */
export function lockRunDir(dir: string, command: string): RunLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readOwner(path);
      if (owner === 'unreadable' ? lockAgeMs(path) < EMPTY_LOCK_GRACE_MS : isAlive(owner))
        throw busy(dir, owner === 'unreadable' ? null : owner);
      removeQuietly(path); // stale: its owner died without releasing it
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me) + '\n');
    } finally {
      closeSync(fd);
    }
    return ownedLock(path, me);
  }
  throw busy(dir, null);
}

/** The live process holding `dir`'s lock, or null (no lock, or a stale one). */
export function runDirLockOwner(dir: string): LockOwner | null {
  const path = join(dir, LOCK_FILE);
  if (!existsSync(path)) return null;
  const owner = readOwner(path);
  return owner !== 'unreadable' && isAlive(owner) ? owner : null;
}

function ownedLock(path: string, me: LockOwner): RunLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // Remove only our own lock (a stale-lock takeover by another process must not be undone).
    const owner = readOwner(path);
    if (owner !== 'unreadable' && owner.pid === me.pid && owner.startedAt === me.startedAt) removeQuietly(path);
  };
  process.on('exit', release);
  return { path, release };
}

function readOwner(path: string): LockOwner | 'unreadable' {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string') return o as LockOwner;
  } catch {
    // empty or half-written: decided by its age
  }
  return 'unreadable';
}

function isAlive(o: LockOwner): boolean {
  // Another host's processes cannot be checked: assume it runs.
  return o.host !== hostname() || processAlive(o.pid);
}

function lockAgeMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function busy(dir: string, o: LockOwner | null): MtrankError {
  const who = o ? `process ${o.pid} ('mtrank ${o.command}', since ${o.startedAt})` : 'another process';
  return new MtrankError(
    `${dir}: run directory in use by ${who}; wait for it to finish, stop it, or choose another --out`,
    o ? { owner: o } : undefined,
    'busy',
  );
}
