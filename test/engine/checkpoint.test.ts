import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SharedBottomWorkload, syntheticBatches, type WorkloadConfig } from '../../src/bench/engine.js';
import { Adam, Adagrad, type Optimizer } from '../../src/engine/optim/index.js';
import { saveCheckpoint, loadCheckpoint, readManifest } from '../../src/engine/checkpoint.js';
import { MtrankError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

const cfg: WorkloadConfig = {
  fields: 4,
  vocab: 200,
  dim: 4,
  dense: 3,
  bottom: [16, 8],
  tower: [6],
  tasks: 2,
  seed: 3,
  dropout: 0.1,
};
const batches = syntheticBatches(cfg, 6, 32, 11);
const root = mkdtempSync(join(tmpdir(), 'mtrank-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const optimizers = (m: SharedBottomWorkload): Optimizer[] => [
  new Adam(m.store, { lr: 0.01, scope: 'dense' }),
  new Adagrad(m.store, { lr: 0.05, scope: 'embeddings' }),
];
const stepBoth = (m: SharedBottomWorkload, opts: Optimizer[], rng: Rng, b: number) => {
  // trainStep runs one optimizer; drive two (dense Adam + table Adagrad) the way the trainer does.
  m.trainStep(batches[b % batches.length]!, { step: () => opts.forEach((o) => o.step()) } as Optimizer, rng);
};
const allParams = (m: SharedBottomWorkload) => [
  ...m.store.params().map((p) => p.data),
  ...m.store.tables().map((t) => t.data),
];
const sameBits = (a: Float32Array[], b: Float32Array[]) => {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) =>
    expect(
      Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
        Buffer.from(b[i]!.buffer, b[i]!.byteOffset, b[i]!.byteLength),
      ),
      `array ${i}`,
    ).toBe(true),
  );
};

describe('checkpoints', () => {
  it('save → load gives identical predictions and identical continued training', () => {
    const a = new SharedBottomWorkload(cfg),
      optA = optimizers(a);
    for (let s = 0; s < 4; s++) stepBoth(a, optA, new Rng(s), s);
    const dir = join(root, 'run1');
    saveCheckpoint(dir, a.store, optA, { step: 4, note: 'x' });

    const b = new SharedBottomWorkload({ ...cfg, seed: 99 }),
      optB = optimizers(b);
    expect(b.predict(batches[0]!.features)[0]).not.toEqual(a.predict(batches[0]!.features)[0]);
    expect(loadCheckpoint(dir, b.store, optB)).toEqual({ step: 4, note: 'x' });
    sameBits(b.predict(batches[0]!.features), a.predict(batches[0]!.features));
    expect(optB.map((o) => o.steps)).toEqual([4, 4]);

    for (let s = 4; s < 7; s++) {
      stepBoth(a, optA, new Rng(s), s);
      stepBoth(b, optB, new Rng(s), s);
    }
    sameBits(allParams(b), allParams(a));
  });

  it('writes one binary named by its checksum plus a manifest, and replaces the old binary', () => {
    const a = new SharedBottomWorkload(cfg),
      opt = new Adam(a.store, { lr: 0.01 });
    const dir = join(root, 'run2');
    saveCheckpoint(dir, a.store, opt, {});
    a.trainStep(batches[0]!, opt, new Rng(1));
    const m = saveCheckpoint(dir, a.store, opt, {});
    expect(readdirSync(dir).sort()).toEqual([m.binary, 'manifest.json'].sort());
    const manifest = readManifest(dir);
    const names = manifest.entries.map((e) => e.name);
    expect(names).toContain('bottom.0.W');
    expect(names).toContain('emb.f0');
    expect(names).toContain('optimizer0/m/emb.f0');
    const w = manifest.entries.find((e) => e.name === 'bottom.0.W')!;
    expect(w.shape).toEqual([a.input.outDim, 16]);
    // Offsets are back to back.
    manifest.entries.forEach((e, i) => {
      if (i > 0) expect(e.offset).toBe(manifest.entries[i - 1]!.offset + manifest.entries[i - 1]!.byteLength);
    });
  });

  it('rejects a corrupt binary before touching the model, and a model of another shape', () => {
    const a = new SharedBottomWorkload(cfg);
    const dir = join(root, 'run3');
    const m = saveCheckpoint(dir, a.store, null, {});
    const b = new SharedBottomWorkload({ ...cfg, seed: 5 });
    const before = allParams(b).map((x) => Float32Array.from(x));
    const bin = join(dir, m.binary),
      bytes = readFileSync(bin);
    bytes[bytes.length - 3] ^= 0x40;
    writeFileSync(bin, bytes);
    expect(() => loadCheckpoint(dir, b.store)).toThrow(/checksum mismatch/);
    sameBits(allParams(b), before);

    saveCheckpoint(dir, a.store, null, {});
    const wide = new SharedBottomWorkload({ ...cfg, dim: 5 });
    expect(() => loadCheckpoint(dir, wide.store)).toThrow(MtrankError);
    expect(() => loadCheckpoint(dir, wide.store)).toThrow(
      /'bottom.0.W' is 19×16 in the checkpoint but 23×16 in the model/,
    );
    expect(() => loadCheckpoint(join(root, 'nothing'), b.store)).toThrow(/manifest.json missing/);
    expect(() => loadCheckpoint(dir, b.store, new Adam(b.store, { lr: 1 }))).toThrow(/0 optimizer state/);
  });
});
