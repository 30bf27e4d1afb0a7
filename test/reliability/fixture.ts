// A tiny CSV data set, its config, and the CLI as a user runs it (compiled dist/, so build first).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.js';
import { describeFailure } from '../../src/cli/fail.js';
import { runTraining, type RunOptions } from '../../src/training/run.js';

export const CLI = join(import.meta.dirname, '../../dist/cli/main.js');

export interface Cli {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], cwd?: string): Cli {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, MTRANK_DEBUG: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function cliAsync(args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** One line on stderr starting `mtrank: ` and no stack frame: the shape of every user-facing failure. */
export function isOneLineFailure(stderr: string): boolean {
  const lines = stderr.trim().split('\n');
  return lines.length >= 1 && lines.at(-1)!.startsWith('mtrank: ') && !/\n\s+at /.test(stderr);
}

/** rows of user,item,price,click,buy (click and buy depend on user/item/price), written as CSV. */
export function dataCsv(rows: number, seed: number): string {
  const rng = new Rng(seed);
  const lines = ['user,item,price,click,buy'];
  for (let i = 0; i < rows; i++) {
    const u = rng.int(30),
      it = rng.int(40),
      price = Math.round(rng.float() * 1000) / 10;
    const click = rng.float() < 0.2 + 0.4 * ((u + it) % 2) ? 1 : 0;
    const buy = click && rng.float() < 0.3 + price / 400 ? 1 : 0;
    lines.push(`u${u},i${it},${price},${click},${buy}`);
  }
  return lines.join('\n') + '\n';
}

export const CONFIG = `seed: 7
data:
  train: train.csv
  valid: valid.csv
  test: test.csv
  cacheDir: cache
features:
  user: { type: categorical, embeddingDim: 4 }
  item: { type: categorical, embeddingDim: 4 }
  price: { type: numeric, transform: standardize }
tasks:
  click: { label: click }
  buy: { label: buy, dependsOn: click }
model: { type: shared-bottom, bottom: [8], tower: [4] }
training: { epochs: 2, batchSize: 64, evalEvery: 10, checkpointEvery: 10, threads: 1 }
`;

/** A fresh directory with train/valid/test CSVs and exp.yaml. */
export function project(rows = 1200): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtrank-rel-'));
  writeFileSync(join(dir, 'train.csv'), dataCsv(rows, 1));
  writeFileSync(join(dir, 'valid.csv'), dataCsv(rows / 4, 2));
  writeFileSync(join(dir, 'test.csv'), dataCsv(rows / 4, 3));
  writeFileSync(join(dir, 'exp.yaml'), CONFIG);
  return dir;
}

/** Names under `dir` (recursive) that are temporary files of an interrupted write. */
export function tempLeftovers(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => /\.tmp-\d+-\d+$/.test(n));
}

/** What the CLI would end with for `fn` (exit code and the line), in-process: no process start per case. */
export async function outcome(fn: () => unknown): Promise<{ code: number; line: string }> {
  try {
    await fn();
    return { code: 0, line: '' };
  } catch (e) {
    const f = describeFailure(e);
    return { code: f.code, line: f.line };
  }
}

/** `mtrank train` in-process, quiet. */
export function train(dir: string, out: string, o: Partial<RunOptions> = {}) {
  return runTraining({ config: join(dir, 'exp.yaml'), out, quiet: 'silent', ...o });
}
