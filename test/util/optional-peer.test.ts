import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOptional, requireOptional } from '../../src/util/optional-peer.js';
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

describe('requireOptional (a CommonJS peer on a synchronous path)', () => {
  it('a missing package is the same one line as importOptional gives', async () => {
    const pkg = 'mtrank-no-such-package';
    const viaImport = await importOptional(() => import(pkg), pkg, 'writing model.onnx').catch((e: unknown) => e);
    let viaRequire: unknown;
    try {
      requireOptional(pkg, 'writing model.onnx');
    } catch (e) {
      viaRequire = e;
    }
    expect(viaRequire).toBeInstanceOf(MtrankError);
    expect((viaRequire as Error).message).toBe((viaImport as Error).message);
    expect((viaRequire as Error).message).toMatch(
      /^writing model\.onnx needs the 'mtrank-no-such-package' package .*: npm install mtrank-no-such-package$/,
    );
  });

  it('a package whose own dependency is missing passes through unchanged; an installed one loads', () => {
    // A package that loads but requires something absent (onnx-proto without protobufjs, say): not "install it".
    const dir = mkdtempSync(join(tmpdir(), 'mtrank-peer-'));
    const pkg = join(dir, 'broken.cjs');
    writeFileSync(pkg, "require('mtrank-missing-dependency');\n");
    try {
      expect(() => requireOptional(pkg, 'x')).toThrow(/Cannot find module 'mtrank-missing-dependency'/);
      expect(() => requireOptional(pkg, 'x')).not.toThrow(MtrankError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const onnxProto = requireOptional<typeof import('onnx-proto')>('onnx-proto', 'x');
    expect(typeof onnxProto.onnx.ModelProto.encode).toBe('function');
  });
});
