import { describe, expect, it } from 'vitest';
import { importOptional } from '../../src/util/optional-peer.js';
import { MtrankError } from '../../src/util/errors.js';

describe('importOptional', () => {
  it('a missing optional peer is one line naming what needs it and how to install it', async () => {
    const pkg = 'mtrank-no-such-package';
    const err = await importOptional(() => import(pkg), pkg, 'serving').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MtrankError);
    expect((err as Error).message).toBe(
      `serving needs the '${pkg}' package (an optional peer dependency of mtrank), which is not installed: npm install ${pkg}`,
    );
  });

  it('other failures (and a different missing package) pass through unchanged', async () => {
    const other = new Error('boom');
    await expect(importOptional(() => Promise.reject(other), 'fastify', 'serving')).rejects.toBe(other);
    const missing = 'mtrank-missing-b';
    const err = await importOptional(() => import(missing), 'mtrank-missing-a', 'x').catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(MtrankError);
  });

  it('an installed package loads', async () => {
    const m = await importOptional(() => import('node:path'), 'node:path', 'x');
    expect(typeof m.join).toBe('function');
  });
});
