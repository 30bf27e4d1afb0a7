// Build step run by `npm install` (prepare), `npm start` and `npm test`:
// 1. AssemblyScript kernels -> build/kernels.simd.wasm and build/kernels.relaxed.wasm
// 2. TypeScript -> dist/
// With --if-stale it does nothing when every output is newer than every input (fast repeat runs).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ifStale = process.argv.includes('--if-stale');

function newest(dir, exts) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
function oldest(files) {
  let t = Infinity;
  for (const f of files) t = existsSync(f) ? Math.min(t, statSync(f).mtimeMs) : -1;
  return t;
}

const wasmOut = ['kernels.simd.wasm', 'kernels.relaxed.wasm'].map((f) => join(root, 'build', f));
const kernelsStale = !ifStale || oldest(wasmOut) < newest(join(root, 'assembly'), ['.ts', '.json']);
if (kernelsStale) {
  mkdirSync(join(root, 'build'), { recursive: true });
  const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
  const common = [
    'assembly/index.ts',
    '--optimizeLevel',
    '3',
    '--shrinkLevel',
    '0',
    '--noAssert',
    '--runtime',
    'stub',
    '--importMemory',
    '--sharedMemory',
    '--initialMemory',
    '1',
    '--maximumMemory',
    '65536',
    '--enable',
    'simd',
    '--enable',
    'threads',
  ];
  execFileSync(process.execPath, [asc, ...common, '-o', 'build/kernels.simd.wasm'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [asc, ...common, '--enable', 'relaxed-simd', '-o', 'build/kernels.relaxed.wasm'], {
    cwd: root,
    stdio: 'inherit',
  });
}

const tsStale =
  !ifStale || oldest([join(root, 'dist', 'cli', 'main.js')]) < newest(join(root, 'src'), ['.ts', '.js', '.json']);
if (tsStale) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
}
