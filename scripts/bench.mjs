// `npm run bench -- NAME [args]` runs dist/bench/NAME.js (compiled from src/bench/NAME.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [name, ...args] = process.argv.slice(2);
const dir = join(root, 'dist', 'bench');
const known = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.slice(0, -3))
  : [];
if (!name || !known.includes(name)) {
  console.error(`usage: npm run bench -- <${known.join('|')}> [options]`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--expose-gc', join(dir, `${name}.js`), ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
