// The package as a user gets it: `npm pack`, install the tarball into an empty project, then compile (node16 and
// bundler resolution) and run the README's TypeScript example, which imports only 'mtrank' and its subpaths.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'mtrank-tarball-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The first ```ts block after the README heading "Use it from TypeScript". */
export function readmeExample(readme: string): string {
  const section = readme.slice(readme.indexOf('## Use it from TypeScript'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README: no TypeScript example under "Use it from TypeScript"');
  return m[1]!;
}

/** Runs a command to completion without blocking the test worker's event loop. */
function run(cmd: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0
        ? done({ stdout, stderr })
        : fail(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${stdout}\n${stderr}`)),
    );
  });
}

describe('packed tarball', () => {
  it(
    'installs into an empty project; the README example compiles under node16 and bundler and runs',
    { timeout: 600_000 },
    async () => {
      const packed = (await run('npm', ['pack', '--pack-destination', work, '--silent'], root)).stdout;
      const tarball = join(work, packed.trim().split('\n').pop()!);
      const proj = join(work, 'proj');
      mkdirSync(proj);
      writeFileSync(
        join(proj, 'package.json'),
        JSON.stringify({ name: 'user-project', private: true, type: 'module' }),
      );
      const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], proj);
      // No warning from mtrank or anything it installs: not EBADENGINE on Node 20 (fastify's light-my-request needs
      // cookie@2, engines node >= 22), not npm 11's install-scripts notice (protobufjs, under onnx-proto) — why
      // fastify and onnx-proto are optional peers, installed only for serving and export. The one kind of line
      // tolerated is npm's complaint about a config key set outside the project (environment variables such as
      // npm_config_* when the suite runs under `npm test`, the user's or global npmrc).
      const warnings = install.stderr
        .split('\n')
        .filter((l) => /^npm warn/i.test(l) && !/^npm warn Unknown (env|user|global|builtin) config /i.test(l));
      expect(warnings, install.stderr).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(proj, 'node_modules', 'mtrank', 'package.json'), 'utf8'));
      // The CLI starts without the optional peers (bullmq, fastify), and serving says what to install.
      const cli = join(proj, 'node_modules', 'mtrank', 'dist', 'cli', 'main.js');
      expect((await run(process.execPath, [cli, '--version'], proj)).stdout.trim()).toBe(manifest.version);
      const serve = await run(process.execPath, [cli, 'serve', 'no-such-run'], proj).then(
        () => '',
        (e: Error) => e.message,
      );
      expect(serve).toMatch(/serving needs the 'fastify' package .*: npm install fastify/);
      expect(manifest.devDependencies.typescript).toBeDefined();
      expect(manifest.dependencies.typescript).toBeUndefined();

      writeFileSync(join(proj, 'example.ts'), readmeExample(readFileSync(join(root, 'README.md'), 'utf8')));
      const common = {
        target: 'ES2022',
        strict: true,
        // mtrank's declarations are checked too: they must not need an optional peer's types (fastify, onnx-proto,
        // onnxruntime-node), which this project does not install
        skipLibCheck: false,
        typeRoots: [join(root, 'node_modules', '@types')],
        types: ['node'],
      };
      writeFileSync(
        join(proj, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { ...common, module: 'node16', moduleResolution: 'node16', outDir: 'out' },
          files: ['example.ts'],
        }),
      );
      writeFileSync(
        join(proj, 'tsconfig.bundler.json'),
        JSON.stringify({
          compilerOptions: { ...common, module: 'preserve', moduleResolution: 'bundler', noEmit: true },
          files: ['example.ts'],
        }),
      );
      await run(process.execPath, [tsc, '-p', 'tsconfig.json'], proj);
      await run(process.execPath, [tsc, '-p', 'tsconfig.bundler.json'], proj);

      const out = (await run(process.execPath, [join('out', 'example.js')], proj)).stdout.split('\n');
      const line = (prefix: string) => out.find((l) => l.startsWith(prefix)) ?? '';
      const numbers = (l: string) => (l.match(/-?\d+(\.\d+)?(e-?\d+)?/g) ?? []).map(Number);
      // The test AUC in metrics.json (written by train) and the one evaluate() recomputes from the reloaded model
      // and the cached data agree, and match what the example printed.
      const metrics = JSON.parse(readFileSync(join(proj, 'runs', 'example', 'metrics.json'), 'utf8'));
      const [printedAuc] = numbers(line('test AUC'));
      expect(printedAuc).toBeCloseTo(metrics.test.click.auc, 12);
      const [testRows, evaluated] = numbers(out.find((l) => l.includes('test rows; click AUC')) ?? '');
      expect(testRows).toBeGreaterThan(0);
      expect(evaluated).toBeCloseTo(metrics.test.click.auc, 6);
      const [pClick, fused] = numbers(line('p(click)'));
      expect(pClick).toBeGreaterThan(0);
      expect(pClick).toBeLessThan(1);
      expect(Number.isFinite(fused)).toBe(true);
      // The plain-array fuse: b's positives (0.4, 0.8) outrank its negatives (0.3, 0.1), so AUC(b) = 1 by hand,
      // while a's score alone gives AUC(b) = 2/4; the best objective is 1 and needs weight on b.
      const last = out.filter(Boolean).pop()!;
      expect(last).toMatch(/\} 1 1$/);
      expect(numbers(last)[1]).toBeGreaterThan(0);

      // Export without onnx-proto (an optional peer): one line, exit code 1 (usage), nothing written.
      const exported = await run(process.execPath, [cli, 'export', 'runs/example', '--out', 'exp'], proj).then(
        () => '',
        (e: Error) => e.message,
      );
      expect(exported).toMatch(/exit 1\n/);
      expect(exported).toMatch(
        /^mtrank: writing model\.onnx needs the 'onnx-proto' package .*: npm install onnx-proto$/m,
      );
      expect(existsSync(join(proj, 'exp'))).toBe(false);
    },
  );
});
