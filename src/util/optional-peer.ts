import { MtrankError } from './errors.js';

/**
 * Loads a module that needs an optional peer dependency (fastify for serving, bullmq for queue sweeps), or fails
 * with one line naming what needs the package and how to install it — not a stack trace from the module loader.
 */
export async function importOptional<T>(load: () => Promise<T>, pkg: string, purpose: string): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && (e as Error).message.includes(`'${pkg}'`))
      throw new MtrankError(
        `${purpose} needs the '${pkg}' package (an optional peer dependency of mtrank), which is not installed: npm install ${pkg}`,
      );
    throw e;
  }
}
