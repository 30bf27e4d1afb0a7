/**
 * How a sweep starts a trial's trainer. Both kinds run the trial in a child process (never in the sweep or worker
 * itself) with the orphan guard, and report the trial's end as the exit of `mtrank train`:
 * - `processPerTrial(command)`: a new process per trial (any program that takes `train CONFIG …`: tests' fakes);
 * - `warmTrainers()`: a warm process (trainer-host.ts) that runs trial after trial while they finish cleanly, and is
 *   replaced after `maxTrials` trials or after any trial that fails, is stopped or is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerUrl } from '../../util/worker-url.js';
import { defaultTrainCommand, startChild, trackChild, type ChildExit } from './child.js';
import { PARENT_PID_ENV } from './orphan-guard.js';
import type { HostReply, HostRequest } from './trainer-host.js';

export interface RunningTrainer {
  /** The process training this trial. */
  pid: number | undefined;
  /** Kills the trial (its process) at once; a no-op once it has ended. */
  kill(): void;
  /** The trial's end, as `mtrank train`'s exit: code 0 is a clean finish. */
  exit: Promise<ChildExit>;
}

export interface TrainerLauncher {
  /** Runs `train …args`, its stdout and stderr into `log` (appended to when `append`, else truncated first). */
  start(args: string[], log: string, append?: boolean): RunningTrainer;
  /** Ends idle processes; call when no more trials will start. */
  close(): Promise<void>;
}

export function processPerTrial(command: string[]): TrainerLauncher {
  return {
    start(args, log, append = false) {
      const { child, exit } = startChild(command, args, log, append);
      let ended = false;
      void exit.then(() => (ended = true));
      return { pid: child.pid, kill: () => ended || child.kill('SIGKILL'), exit };
    },
    close: async () => {},
  };
}

/** Trials a warm process runs before it is replaced (bounds what one process can accumulate, e.g. wasm memory). */
const DEFAULT_TRIALS_PER_TRAINER = 20;

/**
 * The launcher of a sweep or a worker: `trainCommand` (a test's fake) as one process per trial; else warm processes
 * replaced after `trainerReuse` trials (default 20; 1: a new process per trial).
 */
export function trainerFor(o: { trainCommand?: string[]; trainerReuse?: number }): TrainerLauncher {
  if (o.trainCommand) return processPerTrial(o.trainCommand);
  if (o.trainerReuse === 1) return processPerTrial(defaultTrainCommand());
  return warmTrainers({ maxTrials: o.trainerReuse });
}

function defaultHostCommand(): string[] {
  return [process.execPath, fileURLToPath(workerUrl(import.meta.url, './trainer-host.js'))];
}

interface Host {
  child: ChildProcess;
  ready: Promise<boolean>;
  /** Where output that bypasses the host's redirection (a fatal V8 error) goes: the current or last trial's log. */
  log?: string;
  trials: number;
  gone: Promise<ChildExit>;
}

/** Resolves at the next message of `type` from a host. */
function nextMessage(child: ChildProcess, type: HostReply['type']): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: HostReply) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
  });
}

function spawnHost(command: string[]): Host {
  const child = spawn(command[0]!, command.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) },
  });
  trackChild(child);
  // 'close' comes after the output pipes are drained, so a dying host's last words are in the log first.
  const gone = new Promise<ChildExit>((resolve) => {
    child.once('error', (e) => resolve({ code: null, signal: null, startError: e.message }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const ready = Promise.race([nextMessage(child, 'ready').then(() => true), gone.then(() => false)]);
  const host: Host = { child, ready, gone, trials: 0 };
  const stray = (chunk: Buffer) => {
    if (host.log) appendFileSync(host.log, chunk);
  };
  child.stdout!.on('data', stray);
  child.stderr!.on('data', stray);
  return host;
}

/** Lets this process exit while `host` waits for a trial (sweeps close their launcher, this is a safety net). */
function setIdle(host: Host, idle: boolean): void {
  const handles = [host.child, host.child.stdout, host.child.stderr, host.child.channel] as (
    { ref?: () => void; unref?: () => void } | null | undefined
  )[];
  for (const h of handles) (idle ? h?.unref : h?.ref)?.call(h);
}

export function warmTrainers(o: { maxTrials?: number; command?: string[] } = {}): TrainerLauncher {
  const maxTrials = o.maxTrials ?? DEFAULT_TRIALS_PER_TRAINER;
  const command = o.command ?? defaultHostCommand();
  const idle: Host[] = [];
  const all = new Set<Host>();

  let closed = false;
  const newHost = () => {
    const host = spawnHost(command);
    all.add(host);
    void host.gone.then(() => all.delete(host));
    return host;
  };
  const spawnIdle = () => {
    const host = newHost();
    setIdle(host, true);
    idle.push(host);
  };
  // A process lost (stopped, failed, worn out) is replaced at once, so the next trial does not wait for its start.
  const replace = () => {
    if (!closed && idle.length === 0) spawnIdle();
  };
  const retire = (host: Host) => {
    host.child.kill('SIGKILL');
    all.delete(host);
    replace();
  };

  const run = async (host: Host, request: HostRequest, state: { ended: boolean }): Promise<ChildExit> => {
    if (!(await host.ready)) return host.gone;
    if (state.ended) return host.gone; // killed while starting
    const finished = nextMessage(host.child, 'done').then(() => 'done' as const);
    host.child.send(request);
    const end = await Promise.race([finished, host.gone]);
    state.ended = true; // before the process can be handed to the next trial: a late kill() must not reach it
    if (end !== 'done') {
      all.delete(host);
      replace();
      return end;
    }
    if (host.trials >= maxTrials) retire(host);
    else {
      setIdle(host, true);
      idle.push(host);
    }
    return { code: 0, signal: null };
  };

  spawnIdle(); // started now: its modules load while the first trial is being fetched

  return {
    start(args, log, append = false) {
      mkdirSync(dirname(log), { recursive: true });
      if (!append) writeFileSync(log, '');
      let host = idle.pop();
      while (host && (host.child.exitCode !== null || host.child.signalCode !== null)) host = idle.pop();
      host ??= newHost();
      setIdle(host, false);
      host.trials++;
      host.log = log;
      const state = { ended: false };
      const trialHost = host;
      const exit = run(trialHost, { type: 'train', args, log }, state).then((e) => {
        state.ended = true;
        return e;
      });
      return {
        pid: trialHost.child.pid,
        kill: () => {
          if (state.ended) return;
          state.ended = true;
          retire(trialHost);
        },
        exit,
      };
    },
    async close() {
      closed = true;
      const hosts = [...all];
      idle.length = 0;
      for (const h of hosts) {
        setIdle(h, false); // an idle process is unref'd: waiting for its end must keep this process alive
        retire(h);
      }
      await Promise.all(hosts.map((h) => h.gone));
    },
  };
}
