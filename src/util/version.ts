import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** mtrank's version from its package.json (the same file from src/ and from dist/). */
export function mtrankVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    cached = pkg.version ?? 'unknown';
  }
  return cached;
}
