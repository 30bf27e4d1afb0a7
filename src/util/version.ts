import { readFileSync } from 'node:fs';

/** mtrank's version, from the package.json two levels up (src/util or dist/util → the package root). */
export function mtrankVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
