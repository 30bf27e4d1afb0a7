/** Starting one trial's trainer as a child process and waiting for it; shared by local and queue mode. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerUrl } from '../../util/worker-url.js';
import { PARENT_PID_ENV } from './orphan-guard.js';

/** `node dist/app/sweep/trainer-entry.js`: the CLI, killed when its parent dies (one process per trial). */
export function defaultTrainCommand(): string[] {
  return [process.execPath, fileURLToPath(workerUrl(import.meta.url, './trainer-entry.js'))];
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The command could not be started at all. */
  startError?: string;
}

export interface RunningChild {
  child: ChildProcess;
  exit: Promise<ChildExit>;
}

/** Children started by this process; killed with it (SIGINT/SIGTERM), the orphan guard covers SIGKILL. */
const live = new Set<ChildProcess>();
let handlersInstalled = false;
function killChildrenOnExit(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      const children = [...live];
      for (const c of children) c.kill('SIGKILL');
      // Reaped before this process exits (within a second), so nothing is left as a zombie for init to collect.
      const reaped = children.map((c) => new Promise((r) => (live.has(c) ? c.once('exit', r) : r(undefined))));
      void Promise.race([Promise.all(reaped), new Promise((r) => setTimeout(r, 1000))]).then(() =>
        process.exit(sig === 'SIGINT' ? 130 : 143),
      );
    });
  }
}

/** Kills `child` with this process on SIGINT/SIGTERM (the orphan guard covers SIGKILL). */
export function trackChild(child: ChildProcess): void {
  killChildrenOnExit();
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
}

/** Spawns `command args…` with stdout and stderr into `logPath` (truncated unless `append`). */
export function startChild(command: string[], args: string[], logPath: string, append = false): RunningChild {
  mkdirSync(dirname(logPath), { recursive: true });
  const fd = openSync(logPath, append ? 'a' : 'w');
  const child = spawn(command[0]!, [...command.slice(1), ...args], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) },
  });
  trackChild(child);
  const exit = new Promise<ChildExit>((resolvePromise) => {
    child.on('error', (e) => {
      closeSync(fd);
      resolvePromise({ code: null, signal: null, startError: e.message });
    });
    child.on('exit', (code, signal) => {
      closeSync(fd);
      resolvePromise({ code, signal });
    });
  });
  return { child, exit };
}

/** The last lines of a log, indented, for a failure message. */
export function tail(path: string, lines = 5): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `    ${l}`)
    .join('\n');
}
