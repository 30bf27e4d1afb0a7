// Checkpoints: every parameter, table and optimizer state array in one binary file (float32,
// little-endian, back to back) plus manifest.json naming each array's shape and byte offset, a CRC-32 of
// the binary and the caller's extra JSON. The binary's name carries its checksum and is written before
// the manifest (both atomically), so a reader always sees a manifest that matches a complete binary.
import {
  openSync,
  writeSync,
  readSync,
  closeSync,
  fsyncSync,
  renameSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  unlinkSync,
  fstatSync,
  existsSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ParamStore } from './params.js';
import type { Optimizer } from './optim/optimizer.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { crc32 } from '../util/crc32.js';
import { MtrankError } from '../util/errors.js';

const FORMAT = 'mtrank-checkpoint';
const VERSION = 1;
const CHUNK = 4 << 20;

export interface ManifestEntry {
  name: string;
  kind: 'dense' | 'table' | 'optimizer';
  shape: [number, number];
  dtype: 'float32';
  offset: number;
  byteLength: number;
}
export interface Manifest {
  format: typeof FORMAT;
  version: number;
  binary: string;
  byteLength: number;
  checksum: { algorithm: 'crc32'; value: number };
  entries: ManifestEntry[];
  optimizers: { type: string; step: number; lr: number }[];
  extra: unknown;
}

type Optimizers = Optimizer | readonly Optimizer[] | null | undefined;
const asList = (o: Optimizers): readonly Optimizer[] => (o == null ? [] : Array.isArray(o) ? o : [o as Optimizer]);

interface Slot {
  entry: ManifestEntry;
  data: Float32Array;
}

function slots(store: ParamStore, optimizers: readonly Optimizer[]): Slot[] {
  const out: Slot[] = [];
  let offset = 0;
  const push = (name: string, kind: ManifestEntry['kind'], rows: number, cols: number, data: Float32Array) => {
    out.push({
      entry: { name, kind, shape: [rows, cols], dtype: 'float32', offset, byteLength: data.byteLength },
      data,
    });
    offset += data.byteLength;
  };
  for (const p of store.params()) push(p.name, 'dense', p.rows, p.cols, p.data);
  for (const t of store.tables()) push(t.name, 'table', t.vocab, t.dim, t.data);
  optimizers.forEach((o, k) => {
    for (const [key, arr] of Object.entries(o.state().arrays))
      push(`optimizer${k}/${key}`, 'optimizer', 1, arr.length, arr);
  });
  return out;
}

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Save parameters, optimizer state(s) and `extra` (any JSON) into dir. */
export function saveCheckpoint(dir: string, store: ParamStore, optimizer: Optimizers, extra: unknown = {}): Manifest {
  mkdirSync(dir, { recursive: true });
  const optimizers = asList(optimizer);
  const all = slots(store, optimizers);
  // Streamed to a temporary file, fsynced, then renamed (what writeFileAtomic does for one buffer): the
  // arrays go out through a small buffer instead of being copied into one of the checkpoint's full size.
  const tmp = join(dir, `.weights.tmp-${process.pid}-${Date.now()}`);
  const bounce = Buffer.allocUnsafe(CHUNK);
  let crc = 0,
    total = 0;
  const fd = openSync(tmp, 'w');
  try {
    for (const { data } of all) {
      const bytes = bytesOf(data);
      for (let pos = 0; pos < bytes.length; pos += CHUNK) {
        const part = bytes.subarray(pos, Math.min(bytes.length, pos + CHUNK));
        bounce.set(part);
        const view = bounce.subarray(0, part.length);
        crc = crc32(view, crc);
        writeSync(fd, view);
        total += part.length;
      }
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true }); // disk full or killed: no partial temp file stays behind
    throw e;
  }
  closeSync(fd);
  const binary = `weights-${crc.toString(16).padStart(8, '0')}.bin`;
  renameSync(tmp, join(dir, binary));
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    binary,
    byteLength: total,
    checksum: { algorithm: 'crc32', value: crc },
    entries: all.map((s) => s.entry),
    optimizers: optimizers.map((o) => ({ type: o.type, step: o.steps, lr: o.lr })),
    extra,
  };
  writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  for (const f of readdirSync(dir)) if (/^weights-[0-9a-f]{8}\.bin$/.test(f) && f !== binary) unlinkSync(join(dir, f));
  return manifest;
}

/**
 * Load a checkpoint saved from a store (and optimizers) of the same layout; returns its `extra`.
 * The binary's checksum is verified before anything is overwritten.
 */
export function loadCheckpoint(dir: string, store: ParamStore, optimizer?: Optimizers): unknown {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new MtrankError(`${manifestPath}: no checkpoint here (manifest.json missing)`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch (e) {
    throw new MtrankError(`${manifestPath}: not valid JSON (${(e as Error).message})`);
  }
  if (manifest.format !== FORMAT || manifest.version !== VERSION)
    throw new MtrankError(`${manifestPath}: not an ${FORMAT} v${VERSION} manifest`);
  const optimizers = asList(optimizer);
  const binPath = join(dir, manifest.binary);
  if (optimizers.length !== manifest.optimizers.length) {
    throw new MtrankError(
      `${manifestPath}: checkpoint has ${manifest.optimizers.length} optimizer state(s), ${optimizers.length} given`,
    );
  }
  optimizers.forEach((o, k) => {
    if (o.type !== manifest.optimizers[k]!.type)
      throw new MtrankError(
        `${manifestPath}: optimizer ${k} is '${manifest.optimizers[k]!.type}' in the checkpoint, '${o.type}' given`,
      );
  });
  const want = slots(store, optimizers);
  const byName = new Map(manifest.entries.map((e) => [e.name, e]));
  for (const { entry } of want) {
    const got = byName.get(entry.name);
    if (!got) throw new MtrankError(`${manifestPath}: checkpoint has no array '${entry.name}'`);
    if (got.shape[0] !== entry.shape[0] || got.shape[1] !== entry.shape[1]) {
      throw new MtrankError(
        `${manifestPath}: '${entry.name}' is ${got.shape.join('×')} in the checkpoint but ${entry.shape.join('×')} in the model`,
      );
    }
  }
  if (!existsSync(binPath)) throw new MtrankError(`${binPath}: binary of the checkpoint is missing`);
  const fd = openSync(binPath, 'r');
  try {
    if (fstatSync(fd).size !== manifest.byteLength)
      throw new MtrankError(`${binPath}: ${fstatSync(fd).size} bytes, manifest says ${manifest.byteLength}`);
    const bounce = Buffer.allocUnsafe(CHUNK);
    let crc = 0;
    for (let pos = 0; pos < manifest.byteLength; pos += CHUNK) {
      const n = readSync(fd, bounce, 0, Math.min(CHUNK, manifest.byteLength - pos), pos);
      crc = crc32(bounce.subarray(0, n), crc);
    }
    if (crc !== manifest.checksum.value)
      throw new MtrankError(`${binPath}: checksum mismatch (file corrupt or truncated)`);
    for (const { entry, data } of want) {
      const src = byName.get(entry.name)!,
        bytes = bytesOf(data);
      for (let pos = 0; pos < bytes.length; pos += CHUNK) {
        const len = Math.min(CHUNK, bytes.length - pos);
        readSync(fd, bounce, 0, len, src.offset + pos);
        bytes.set(bounce.subarray(0, len), pos);
      }
    }
  } finally {
    closeSync(fd);
  }
  optimizers.forEach((o, k) => {
    const meta = manifest.optimizers[k]!;
    o.load({ type: meta.type, step: meta.step, lr: meta.lr, arrays: o.state().arrays });
  });
  return manifest.extra;
}

/** Read a checkpoint's manifest without loading it. */
export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}
