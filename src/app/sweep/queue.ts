/**
 * The queue of a distributed sweep: one BullMQ queue on Redis (retries, stalled-job recovery, progress), one job per
 * trial with the trial's config hash as job id, so enqueueing a trial twice is a no-op. Early-stop decisions live in
 * plain Redis hashes beside the queue.
 */
import { Queue } from 'bullmq';
import { MtrankError } from '../../util/errors.js';
import type { Decision, RungBook } from './early-stop.js';
import type { TrialSpec } from './run-trial.js';

export const QUEUE_NAME = 'mtrank-trials';

export interface QueueAddress {
  /** redis://host:port/db, without mtrank's own `prefix` parameter. */
  url: string;
  /** Key prefix of the queue (default `mtrank`): sweeps of different teams can share one Redis. */
  prefix: string;
}

/** `redis://[user:pass@]host[:port][/db][?prefix=name]` (or `rediss://`). */
export function parseQueueUrl(text: string): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MtrankError(`--queue ${text}: expected a Redis URL such as redis://127.0.0.1:6379/0`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new MtrankError(`--queue ${text}: expected a redis:// or rediss:// URL`);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new MtrankError(`--queue ${text}: the database must be a number (/0)`);
  const prefix = url.searchParams.get('prefix') ?? 'mtrank';
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix))
    throw new MtrankError(`--queue ${text}: prefix may use letters, digits, _ . -`);
  url.searchParams.delete('prefix');
  return { url: url.toString(), prefix };
}

/** The subset of an ioredis client that mtrank itself uses (BullMQ uses the rest). */
export interface RedisClient {
  hsetnx(key: string, field: string, value: string): Promise<number>;
  hget(key: string, field: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  hvals(key: string): Promise<string[]>;
  eval(script: string, numKeys: number, ...keysThenArgs: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
  duplicate(): RedisClient;
}

/**
 * Connects with ioredis, BullMQ's Redis driver. It is loaded when queue mode is used, so local sweeps never need
 * it; without it queue mode says what to install.
 */
export async function connectRedis(addr: QueueAddress): Promise<RedisClient> {
  const driver = 'ioredis';
  let mod: { default?: unknown; Redis?: unknown };
  try {
    mod = (await import(driver)) as typeof mod;
  } catch {
    throw new MtrankError(
      "queue mode needs the 'ioredis' package (BullMQ's Redis driver), which is not installed: npm install ioredis",
    );
  }
  const Redis = (mod.Redis ?? mod.default) as new (url: string, opts: Record<string, unknown>) => ConnectingClient;
  // BullMQ's blocking commands need requests that never give up; a dead Redis is reported by the caller's timeout.
  const client = new Redis(addr.url, { maxRetriesPerRequest: null });
  // But a Redis that cannot be reached at all (not running, wrong port or host) is a one-line error now, not an
  // endless retry printing ioredis's stack traces ("Unhandled error event") while the sweep waits.
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error & { code?: string }) => {
      client.off('ready', onReady);
      client.disconnect();
      const shown = new URL(addr.url);
      if (shown.password) shown.password = '***';
      reject(
        new MtrankError(
          `--queue ${shown.toString()}: cannot reach Redis (${e.code ?? e.message}); start redis-server there or fix the URL`,
          undefined,
          'io',
        ),
      );
    };
    const onReady = () => {
      client.off('error', onError);
      resolve();
    };
    client.once('error', onError);
    client.once('ready', onReady);
  });
  return client;
}

/** The events of an ioredis client that connectRedis waits on. */
interface ConnectingClient extends RedisClient {
  once(event: 'ready' | 'error', listener: (e: Error & { code?: string }) => void): unknown;
  off(event: 'ready' | 'error', listener: (e: Error & { code?: string }) => void): unknown;
  disconnect(): void;
}

export interface TrialJobData extends TrialSpec {
  /** Trial index in the sweep, for people reading the queue. */
  index: number;
}

/** One attempt more than the first for crashes (OOM, a lost machine); a trainer's own error is not retried. */
export const TRIAL_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'fixed', delay: 2000 },
  removeOnComplete: false,
  removeOnFail: false,
} as const;

export function openQueue(client: RedisClient, addr: QueueAddress): Queue<TrialJobData> {
  return new Queue<TrialJobData>(QUEUE_NAME, { connection: client as never, prefix: addr.prefix });
}

/** Early-stop records in Redis: `<prefix>:mtrank-es:<sweep>:{v,d}:<rung>` hashes keyed by trial. */
export class RedisRungBook implements RungBook {
  constructor(
    private readonly client: RedisClient,
    private readonly key: string,
  ) {}
  static forSweep(client: RedisClient, addr: QueueAddress, sweep: string): RedisRungBook {
    return new RedisRungBook(client, `${addr.prefix}:mtrank-es:${sweep}`);
  }
  async record(rung: string, trial: string, value: number): Promise<number[]> {
    await this.client.hsetnx(`${this.key}:v:${rung}`, trial, String(value));
    return (await this.client.hvals(`${this.key}:v:${rung}`)).map(Number);
  }
  async others(rung: string, trial: string): Promise<number[]> {
    const all = await this.client.hgetall(`${this.key}:v:${rung}`);
    return Object.entries(all)
      .filter(([t]) => t !== trial)
      .map(([, v]) => Number(v));
  }
  async decide(rung: string, trial: string, decision: Decision): Promise<Decision> {
    await this.client.hsetnx(`${this.key}:d:${rung}`, trial, decision);
    return ((await this.client.hget(`${this.key}:d:${rung}`, trial)) ?? decision) as Decision;
  }
}

/** Where a trial's job stands, as far as following a sweep needs to know. */
export type TrialJobState = 'missing' | 'waiting' | 'active' | 'completed' | 'failed';

export interface TrialJobStatus {
  state: TrialJobState;
  /** The error of a failed job. */
  failedReason?: string;
}

/**
 * The job states of many trials in one Lua script (atomic, like getState's). Its keys: the active list, the
 * completed and failed sets, then each job's hash; its arguments: the job ids. Precedence as in BullMQ's getState:
 * completed, failed, active; any other job that exists is waiting (waiting, delayed for a retry, prioritized,
 * paused). A failed job's state carries its reason after "failed:".
 */
const JOB_STATES_SCRIPT = `
local active = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do active[id] = true end
local out = {}
for i, id in ipairs(ARGV) do
  local job = KEYS[3 + i]
  if redis.call('EXISTS', job) == 0 then out[i] = 'missing'
  elseif redis.call('ZSCORE', KEYS[2], id) then out[i] = 'completed'
  elseif redis.call('ZSCORE', KEYS[3], id) then out[i] = 'failed:' .. (redis.call('HGET', job, 'failedReason') or '')
  elseif active[id] then out[i] = 'active'
  else out[i] = 'waiting' end
end
return out`;

/**
 * Where each of `ids` stands, in one command. BullMQ's getJob + getState per job cost two round trips, a parse of
 * the job's data (a trial's whole config) and, in Redis, a script scanning the active and wait lists, for every
 * pending trial at every poll; a MULTI of plain commands still cost ~12 µs of the client's CPU per command.
 */
export async function readJobStates(
  client: RedisClient,
  queue: Queue<TrialJobData>,
  ids: string[],
): Promise<TrialJobStatus[]> {
  if (!ids.length) return [];
  const keys = [
    queue.toKey('active'),
    queue.toKey('completed'),
    queue.toKey('failed'),
    ...ids.map((id) => queue.toKey(id)),
  ];
  const states = (await client.eval(JOB_STATES_SCRIPT, keys.length, ...keys, ...ids)) as string[];
  return states.map((s): TrialJobStatus => {
    if (!s.startsWith('failed:')) return { state: s as TrialJobState };
    return { state: 'failed', failedReason: s.slice('failed:'.length) || 'failed' };
  });
}
