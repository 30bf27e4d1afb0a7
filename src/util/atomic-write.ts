import { writeFileSync, renameSync, mkdirSync, openSync, fsyncSync, closeSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { processAlive } from './pid.js';

/** Write a file so that readers see either the old or the new content, never a partial one. */
export function writeFileAtomic(path: string, data: string | NodeJS.ArrayBufferView): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  try {
    writeFileSync(tmp, data);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    // Disk full, read-only, killed mid-write: leave no partial temp file behind.
    rmSync(tmp, { force: true, recursive: true });
    throw e;
  }
}

/** `<path>.tmp-<pid>-<time>`: the name of a file or folder being written by this process. */
export function tempPath(path: string): string {
  return `${path}.tmp-${process.pid}-${Date.now()}`;
}

const TEMP_NAME = /\.tmp-(\d+)-\d+$/;

/**
 * Remove the temp files and folders in `dir` (not recursive) left by processes that are gone (a crash or
 * `kill -9` mid-write); those of live processes are being written and stay. Returns the removed names.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
