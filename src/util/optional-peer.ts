import { createRequire } from 'node:module';
import { MtrankError } from './errors.js';

/** The one line a missing optional peer gives: what needs it and how to install it. */
function missingPeer(pkg: string, purpose: string): MtrankError {
  return new MtrankError(
    `${purpose} needs the '${pkg}' package (an optional peer dependency of mtrank), which is not installed: npm install ${pkg}`,
  );
}

/**
 * Loads a module that needs an optional peer dependency (fastify for serving, bullmq for queue sweeps), or fails
 * with one line naming what needs the package and how to install it — not a stack trace from the module loader.
 */
export async function importOptional<T>(load: () => Promise<T>, pkg: string, purpose: string): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && (e as Error).message.includes(`'${pkg}'`))
      throw missingPeer(pkg, purpose);
    throw e;
  }
}

const require = createRequire(import.meta.url);

/**
 * `importOptional` for a CommonJS peer that a synchronous path needs (onnx-proto for `exportRun`): the package is
 * resolved from mtrank's own location, as an `import` would be. The caller types the module (`typeof import(pkg)`
 * in a type position only, so mtrank's declarations never need the peer's types).
 */
export function requireOptional<T>(pkg: string, purpose: string): T {
  try {
    return require(pkg) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && (e as Error).message.includes(`'${pkg}'`))
      throw missingPeer(pkg, purpose);
    throw e;
  }
}
