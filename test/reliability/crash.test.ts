// Class 2: failures a user can cause end in one line and the exit code of their kind, never a stack trace.
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cli, isOneLineFailure, outcome, project, tempLeftovers, train } from './fixture.js';
import { EXIT_CODES } from '../../src/util/errors.js';
import { predictFile } from '../../src/app/predict.js';
import { loadSavedRun } from '../../src/training/saved-run.js';
import { loadConfig } from '../../src/config/load.js';
import { fuse } from '../../src/fusion/fuse.js';
import { writeFileAtomic } from '../../src/util/atomic-write.js';
import { describeFailure } from '../../src/cli/fail.js';

let dir: string;
const at = (...p: string[]) => join(dir, ...p);
const run = () => at('run');
const predict = (input: string, output = at('s.csv')) => predictFile(run(), input, output, { say: () => {} });

beforeAll(async () => {
  dir = project();
  await train(dir, run());
}, 60_000);

describe('through the CLI process', () => {
  it('a fake Parquet file: one line, data exit code; scores to stdout; a bad --set: usage exit code', () => {
    writeFileSync(at('fake.parquet'), 'this is not parquet\n');
    const r = cli(['predict', run(), '--input', at('fake.parquet'), '--output', at('x.csv')]);
    expect(r.status).toBe(EXIT_CODES.data);
    expect(isOneLineFailure(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/fake\.parquet/);
    const out = cli(['predict', run(), '--input', at('test.csv'), '--output', '-', '--keep', 'user']);
    expect(out.status, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toBe('user,p_click,p_buy');
    expect(lines).toHaveLength(readFileSync(at('test.csv'), 'utf8').trim().split('\n').length);
    const s = cli(['train', at('exp.yaml'), '--out', at('r2'), '--set', '__proto__.polluted=1']);
    expect(s.status).toBe(EXIT_CODES.usage);
    expect(s.stderr.trim()).toBe("mtrank: --set __proto__.polluted=1: '__proto__' is not a config key");
  }, 120_000); // three process starts: seconds each on a quiet machine, far more on a loaded one
});

describe('bad input files', () => {
  it('non-gzip .gz, truncated gzip, fake Parquet, a directory as input: data errors naming the file', async () => {
    writeFileSync(at('plain.csv.gz'), readFileSync(at('test.csv')));
    const full = gzipSync(readFileSync(at('test.csv')));
    writeFileSync(at('cut.csv.gz'), full.subarray(0, Math.floor(full.length * 0.6)));
    writeFileSync(at('ok.csv.gz'), full);
    writeFileSync(at('fake.parquet'), 'PAR1 nope');
    for (const [file, why] of [
      ['plain.csv.gz', /not a valid gzip file/],
      ['cut.csv.gz', /truncated gzip stream/],
      ['fake.parquet', /fake\.parquet/],
    ] as const) {
      const r = await outcome(() => predict(at(file)));
      expect(r.code, file).toBe(EXIT_CODES.data);
      expect(r.line).toMatch(why);
      expect(r.line.split('\n')).toHaveLength(1);
    }
    expect((await outcome(() => predict(at('ok.csv.gz')))).code).toBe(0);
  }, 30_000);

  it('numeric overflow in the data is a located error, not a crash', async () => {
    writeFileSync(at('huge.csv'), 'user,item,price,click,buy\nu1,i1,1e400,1,0\n');
    const r = await outcome(() => predict(at('huge.csv')));
    expect(r.code).not.toBe(EXIT_CODES.internal);
    expect(r.line).toMatch(/huge\.csv/);
  }, 20_000);

  it('truncated JSON artifacts: config.json, preprocess.json, run.json each give a data error naming the file', () => {
    for (const name of ['config.json', 'preprocess.json', 'run.json']) {
      const path = join(run(), name);
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
      try {
        const f = describeFailure(captured(() => loadSavedRun(run())));
        expect(f.code, name).toBe(EXIT_CODES.data);
        expect(f.line).toContain(path);
      } finally {
        writeFileSync(path, text);
      }
    }
  });

  it('a partial last line of metrics.jsonl is ignored by --resume', async () => {
    writeFileSync(join(run(), 'metrics.jsonl'), readFileSync(join(run(), 'metrics.jsonl'), 'utf8') + '{"type":"tra');
    expect((await outcome(() => train(dir, run(), { resume: true }))).code).toBe(0);
    const last = readFileSync(join(run(), 'metrics.jsonl'), 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(last).type).toBe('test');
  }, 60_000);
});

describe('config and resources', () => {
  it('prototype pollution through --set is impossible', () => {
    for (const key of ['__proto__.x', 'constructor.prototype.x', 'model.__proto__.x']) {
      expect(describeFailure(captured(() => loadConfig(at('exp.yaml'), [`${key}=1`]))).code).toBe(EXIT_CODES.usage);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('fuse with a grid too large is refused up front with its number of combinations', async () => {
    const n = 50;
    const split = {
      scores: [0, 1, 2].map(() => Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 97) / 97)),
      labels: [0, 1, 2].map(() => Uint8Array.from({ length: n }, (_, i) => i % 2)),
    };
    const r = await outcome(() =>
      fuse(['a', 'b', 'c'], split as never, undefined, {
        form: 'linear',
        search: 'grid',
        step: 0.0001,
        objective: { type: 'auc', task: 'a' },
        constraints: [],
        threads: 1,
      } as never),
    );
    expect(r.code).toBe(EXIT_CODES.usage);
    // (1/0.0001 + 1)^3 = 10001^3, by hand
    expect(r.line).toContain(`${(10001 ** 3).toLocaleString('en-US')} combinations`);
  });
});

describe('I/O errors', () => {
  it('an output path that is a directory: I/O exit code, no temp file left', async () => {
    mkdirSync(at('outdir.csv'), { recursive: true });
    const r = await outcome(() => predict(at('test.csv'), at('outdir.csv')));
    expect(r.code).toBe(EXIT_CODES.io);
    expect(tempLeftovers(dir)).toEqual([]);
  }, 20_000);

  it('disk full and read-only (a 64 kB tmpfs, remounted read-only, when this machine allows mounting, else an injected ENOSPC): I/O exit code, nothing half-written', () => {
    const mnt = at('tiny');
    mkdirSync(mnt);
    let mounted = false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
      mounted = true;
    } catch {
      // not root or no mount: inject the error instead
    }
    try {
      const path = join(mnt, 'big.bin');
      const err = mounted
        ? captured(() => writeFileAtomic(path, new Uint8Array(1 << 20)))
        : Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path });
      const f = describeFailure(err);
      expect(f.code).toBe(EXIT_CODES.io);
      expect(f.line).toMatch(/no space left on the device/);
      if (mounted) {
        expect(readdirSync(mnt)).toEqual([]); // neither the file nor its temp
        execFileSync('mount', ['-o', 'remount,ro', mnt], { stdio: 'ignore' });
        const ro = describeFailure(captured(() => writeFileAtomic(join(mnt, 'small.json'), '{}')));
        expect(ro.code).toBe(EXIT_CODES.io);
        expect(ro.line).toMatch(/read-only file system; choose a writable location \(EROFS\)/);
      }
    } finally {
      if (mounted) execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}
