// After `mtrank calibrate`, one line when the run's fusion.json was searched on other probabilities than fuse
// would search on now, with the command that searches them again.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCalibrateCommand } from '../../src/fusion/calibrate-run.js';
import { readOutputSpec, runOutputs } from '../../src/fusion/outputs.js';
import { runFuseCommand, type FuseCommandOptions } from '../../src/fusion/run.js';
import { shellWord } from '../../src/fusion/stale-fusion.js';
import { Rng } from '../../src/util/rng.js';

const root = mkdtempSync(join(tmpdir(), 'stale-fusion-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A trained run's files as fuse and calibrate read them: predictions and the label weights in metrics.jsonl. */
function fakeRun(name: string, labelWeights: Record<string, number>): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'predictions'), { recursive: true });
  for (const [split, seed] of [
    ['valid', 1],
    ['test', 2],
  ] as const) {
    const rng = new Rng(seed);
    const lines = ['p_click,p_order,y_click,y_order,group'];
    for (let i = 0; i < 800; i++) {
      const a = rng.float(),
        b = rng.float();
      lines.push(
        `${a.toFixed(6)},${b.toFixed(6)},${rng.float() < a ? 1 : 0},${rng.float() < 0.3 * b ? 1 : 0},${i % 20}`,
      );
    }
    writeFileSync(join(dir, 'predictions', `${split}.csv`), `${lines.join('\n')}\n`);
  }
  writeFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ type: 'labelWeights', weights: labelWeights })}\n`);
  return dir;
}

const options = (run: string): FuseCommandOptions => ({
  run,
  split: 'valid',
  scoreCol: 'p_{task}',
  labelCol: 'y_{task}',
  groupCol: 'group',
  objective: 'auc:order',
  step: 0.25,
  constraint: ['auc(click) >= base(click) - 0.01'],
  bootstrap: 0,
  threads: 1,
  seed: 42,
});
const savedFusion = (dir: string) => JSON.parse(readFileSync(join(dir, 'fusion.json'), 'utf8'));

describe('calibrate after fuse', () => {
  it('says the weights were searched on uncalibrated probabilities, with the fuse command as it was run', async () => {
    const dir = fakeRun('raw', { click: 1, order: 20 });
    await runFuseCommand(options(dir));
    expect(savedFusion(dir).probabilities).toBe('raw');
    const { note } = await runCalibrateCommand({ run: dir, method: 'analytic' });
    expect(note).toBe(
      `${join(dir, 'fusion.json')}: its output weights were searched on uncalibrated probabilities (predict and serve keep ` +
        `applying them to those); to search them on the calibrated ones: mtrank fuse ${dir} --objective auc:order ` +
        `--step 0.25 --constraint 'auc(click) >= base(click) - 0.01' --bootstrap 0`,
    );
    // True as said: the fused score predict computes is still the weighted sum of the raw probabilities.
    const raw = [Float32Array.of(0.2, 0.9), Float32Array.of(0.5, 0.01)];
    const spec = readOutputSpec(dir, join(dir, 'fusion.json'), ['click', 'order']);
    const w = savedFusion(dir).weights;
    expect(Array.from(runOutputs(spec, raw).fused!)).toEqual(
      [0, 1].map((i) => expect.closeTo(w.click * raw[0]![i]! + w.order * raw[1]![i]!, 6)),
    );
    // ...and that command searches on the calibrated ones, after which the same calibration says nothing.
    await runFuseCommand(options(dir));
    expect(savedFusion(dir).probabilities).toBe('calibrated');
    expect((await runCalibrateCommand({ run: dir, method: 'analytic' })).note).toBeUndefined();
    // A different calibration leaves weights searched on the previous one's probabilities.
    expect((await runCalibrateCommand({ run: dir, method: 'platt' })).note).toMatch(
      /searched on the previous calibration's probabilities, and predict and serve now apply them to this one's; to search them on this calibration's: mtrank fuse /,
    );
  });

  it('says nothing without a fusion.json, or when the calibration changes no probability', async () => {
    const none = fakeRun('none', { click: 1, order: 20 });
    expect((await runCalibrateCommand({ run: none, method: 'analytic' })).note).toBeUndefined();
    const identity = fakeRun('identity', { click: 1, order: 1 });
    await runFuseCommand(options(identity));
    expect((await runCalibrateCommand({ run: identity, method: 'analytic' })).note).toBeUndefined();
  });

  it('the CLI prints the line after the calibration summary', async () => {
    const dir = fakeRun('cli', { click: 1, order: 20 });
    await runFuseCommand({ ...options(dir), objective: undefined, constraint: [], step: undefined });
    const r = spawnSync(process.execPath, ['dist/cli/main.js', 'calibrate', dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toMatch(
      new RegExp(`searched on uncalibrated probabilities .*: mtrank fuse ${dir} --bootstrap 0$`),
    );
  });

  it('quotes what the shell would split or expand', () => {
    expect(['auc:order', 'runs/a', 'p_{task}', "it's", 'a b'].map(shellWord)).toEqual([
      'auc:order',
      'runs/a',
      "'p_{task}'",
      `'it'\\''s'`,
      "'a b'",
    ]);
  });
});
