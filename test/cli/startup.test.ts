// The CLI declares every command but imports a command's code only when that command runs: `--version`, `--help`
// and `<command> --help` must load no package but commander (DuckDB, fastify, vega, zod, onnx... stay unloaded).
// Checked through a module-resolution hook that records every package the process resolves, not by timing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const cli = resolve(import.meta.dirname, '../../dist/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'mtrank-startup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

writeFileSync(
  join(work, 'hooks.mjs'),
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (!/^(\\.|\\/|node:|file:|data:)/.test(specifier)) appendFileSync(process.env.MTRANK_PACKAGES_LOG, specifier + '\\n');
  return next(specifier, context);
}
`,
);
writeFileSync(
  join(work, 'register.mjs'),
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(work, 'hooks.mjs')).href)});\n`,
);

/** The packages (bare specifiers) the CLI process resolves while running `args`. */
function packagesLoaded(args: string[]): string[] {
  const log = join(work, `${args.join('_').replace(/\W/g, '')}.log`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(work, 'register.mjs')).href, cli, ...args], {
    env: { ...process.env, MTRANK_PACKAGES_LOG: log },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))].sort();
}

describe('CLI startup', () => {
  it.each([[['--version']], [['--help']], [['serve', '--help']], [['train', '--help']]])(
    'mtrank %j loads commander only',
    (args) => {
      expect(packagesLoaded(args)).toEqual(['commander']);
    },
  );

  it('the hook sees the packages a command really uses (it can fail)', () => {
    expect(packagesLoaded(['schema'])).toEqual(expect.arrayContaining(['commander', 'zod']));
  });

  it('--help lists the commands in the order of the workflow, the demo first', () => {
    const r = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    const names = r.stdout
      .split('Commands:')[1]!
      .split('\n')
      .map((l) => /^ {2}(\w+)/.exec(l)?.[1])
      .filter(Boolean);
    expect(names).toEqual([
      'demo',
      'synth',
      'schema',
      'data',
      'train',
      'evaluate',
      'predict',
      'calibrate',
      'fuse',
      'report',
      'compare',
      'export',
      'serve',
      'sweep',
      'worker',
      'pretrain',
      'help',
    ]);
  });
});
