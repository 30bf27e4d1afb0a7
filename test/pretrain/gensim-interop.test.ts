// Interoperability with gensim itself, when a Python with gensim is installed (e.g. Debian's python3-gensim);
// skipped otherwise. gensim must load what we write, and we must read what gensim writes, bit for bit.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVectors, writeVectors } from '../../src/features/word2vec-io.js';
import { Rng } from '../../src/util/rng.js';

const python = ['/usr/bin/python3', 'python3'].find(
  (p) => spawnSync(p, ['-c', 'import gensim'], { stdio: 'ignore' }).status === 0,
);

describe.skipIf(!python)('gensim interop', () => {
  it('gensim loads our text and binary files and writes files we read back identically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtrank-gensim-'));
    const rng = new Rng(5),
      dim = 5,
      n = 20;
    const v = {
      tokens: Array.from({ length: n }, (_, i) => `id${i}`),
      dim,
      data: Float32Array.from({ length: n * dim }, () => rng.normal()),
    };
    writeVectors(join(dir, 'ours.vec'), v);
    writeVectors(join(dir, 'ours.bin'), v);
    const script = `
import sys
from gensim.models import KeyedVectors
d = sys.argv[1]
t = KeyedVectors.load_word2vec_format(d + '/ours.vec', binary=False)
b = KeyedVectors.load_word2vec_format(d + '/ours.bin', binary=True)
assert t.index_to_key == b.index_to_key and (t.vectors == b.vectors).all()
b.save_word2vec_format(d + '/theirs.bin', binary=True)
b.save_word2vec_format(d + '/theirs.txt', binary=False)
print(len(t.index_to_key), t.vector_size)`;
    const r = spawnSync(python!, ['-c', script, dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`${n} ${dim}`);
    for (const f of ['theirs.bin', 'theirs.txt']) {
      const back = readVectors(join(dir, f));
      expect(back.tokens).toEqual(v.tokens);
      expect(Buffer.from(back.data.buffer).equals(Buffer.from(v.data.buffer))).toBe(true);
    }
  });
});
