import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { processesWith } from './processes.js';
import { fixtureConfig } from '../report/fixture-run.js';

const root = mkdtempSync(join(tmpdir(), 'mtrank-sweep-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const config = join(root, 'config.json');
writeFileSync(config, JSON.stringify(fixtureConfig(['click', 'order'], { features: { price: { type: 'numeric' } } })));
const fake = [process.execPath, fileURLToPath(new URL('./fake-trainer.mjs', import.meta.url))];
const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a killed sweep takes its trainers with it', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal}: no trainer outlives the sweep`, async () => {
      const out = join(root, signal);
      const calls = join(root, `${signal}.calls`);
      const sweep = spawn(
        process.execPath,
        [cli, 'sweep', config, '--grid', 'tasks.order.labelWeight=1,2', '--parallel', '2', '--out', out, '--no-png'],
        {
          stdio: 'ignore',
          env: {
            ...process.env,
            MTRANK_SWEEP_TRAINER: JSON.stringify(fake),
            FAKE_TRAINER_CALLS: calls,
            FAKE_TRAINER_MS: '60000',
          },
        },
      );
      const t0 = Date.now();
      while (!existsSync(calls) || readFileSync(calls, 'utf8').split('\n').length < 3) {
        expect(Date.now() - t0, 'trainers did not start').toBeLessThan(90_000);
        await sleep(50);
      }
      expect(processesWith(out).filter((p) => p !== sweep.pid)).toHaveLength(2);
      sweep.kill(signal);
      await new Promise((r) => sweep.on('exit', r));
      await sleep(800);
      expect(processesWith(out)).toEqual([]);
    }, 150_000);
  }
});
