// A stand-in for `mtrank train CONFIG --out DIR --set k=v ... [--seed N] --quiet` in the sweep tests: it
// writes a small run directory that follows the contract, with test AUCs that depend on the settings in a
// known way, and appends "start/end <dir> <ms>" lines to $FAKE_TRAINER_CALLS so tests can count runs and
// check how many ran at once. $FAKE_TRAINER_FAIL: exit 3 without writing metrics.json when DIR contains it;
// $FAKE_TRAINER_FAIL_WEIGHT: the same when the order label weight is that number (a data check that fails).
// config.json is the resolved config, as `train` writes it (the sweep identifies trials by its hash).
// $FAKE_TRAINER_STEP_MS: write the eval lines one by one, this long apart (for early stopping).
// $FAKE_TRAINER_HOLD: after each eval line, wait while this file exists (a test holds a trial mid-run).
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitWithParent } from '../../dist/app/sweep/orphan-guard.js';
import { loadConfig } from '../../dist/config/index.js';

// Like mtrank's own trainer entry: die with the sweep or worker that started us.
exitWithParent();

const argv = process.argv.slice(2);
if (argv[0] !== 'train') {
  console.error('fake trainer: expected "train"');
  process.exit(2);
}
const overrides = [];
let out, seed;
for (let i = 2; i < argv.length; i++) {
  if (argv[i] === '--out') out = argv[++i];
  else if (argv[i] === '--seed') seed = Number(argv[++i]);
  else if (argv[i] === '--set') overrides.push(argv[++i]);
}
if (seed !== undefined) overrides.push(`seed=${seed}`);
const config = loadConfig(argv[1], overrides);
const calls = process.env.FAKE_TRAINER_CALLS;
if (calls) appendFileSync(calls, `start ${out} ${Date.now()}\n`);
await new Promise((r) => setTimeout(r, Number(process.env.FAKE_TRAINER_MS ?? 0)));
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'config.json'), JSON.stringify(config));
const failWeight = process.env.FAKE_TRAINER_FAIL_WEIGHT;
if (failWeight && Number(config.tasks.order?.labelWeight) === Number(failWeight)) {
  console.error(`fake trainer: data check failed as asked (order label weight ${failWeight})`);
  if (calls) appendFileSync(calls, `end ${out} ${Date.now()}\n`);
  process.exit(3);
}
if (process.env.FAKE_TRAINER_FAIL && out.includes(process.env.FAKE_TRAINER_FAIL)) {
  console.error('fake trainer: failing as asked');
  if (calls) appendFileSync(calls, `end ${out} ${Date.now()}\n`);
  process.exit(3);
}
const tasks = Object.keys(config.tasks);
// Order AUC rises with log10 of its label weight and costs click AUC a little; the seed adds a known offset.
const lw = Number(config.tasks.order?.labelWeight) || 1;
const auc = (t) =>
  (({ click: 0.7 - 0.002 * Math.log10(lw), order: 0.7 + 0.02 * Math.log10(lw) })[t] ?? 0.7) +
  0.001 * ((config.seed ?? 0) % 10);
const log = join(out, 'metrics.jsonl');
writeFileSync(log, JSON.stringify({ type: 'config', ...config }) + '\n');
const stepMs = Number(process.env.FAKE_TRAINER_STEP_MS ?? 0);
for (const step of [100, 200, 300]) {
  if (stepMs) await new Promise((r) => setTimeout(r, stepMs));
  const line = {
    type: 'eval',
    step,
    split: 'valid',
    tasks: Object.fromEntries(tasks.map((t) => [t, { auc: auc(t) - 0.01 * (3 - step / 100), logloss: 0.5 }])),
  };
  appendFileSync(log, JSON.stringify(line) + '\n');
  const hold = process.env.FAKE_TRAINER_HOLD;
  while (hold && existsSync(hold)) await new Promise((r) => setTimeout(r, 50));
}
const test = Object.fromEntries(tasks.map((t) => [t, { auc: auc(t), logloss: 0.5, gauc: auc(t) - 0.05 }]));
appendFileSync(log, JSON.stringify({ type: 'test', tasks: test }) + '\n');
writeFileSync(
  join(out, 'metrics.json'),
  JSON.stringify({ test, bestStep: Object.fromEntries(tasks.map((t) => [t, 300])) }),
);
if (calls) appendFileSync(calls, `end ${out} ${Date.now()}\n`);
