import { readFileSync } from 'node:fs';

/**
 * Whether process `pid` exists on this host (EPERM: it exists but belongs to another user). A zombie — dead, not
 * yet reaped by its new parent (a container's init may reap late) — does not count: it holds no lock any more.
 */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !zombie(pid);
}

/** Linux: the state field of /proc/PID/stat is Z (zombie) or X (dead); elsewhere never. */
function zombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S ..." — comm may hold spaces and parentheses, so read after the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}
