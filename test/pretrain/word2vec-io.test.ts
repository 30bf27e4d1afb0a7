import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVectors, writeVectors, formatFloat32, type WordVectors } from '../../src/features/word2vec-io.js';
import { MtrankError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'mtrank-w2v-'));

function randomVectors(n: number, dim: number, seed: number): WordVectors {
  const rng = new Rng(seed);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 10 ** (rng.int(7) - 4);
  data[0] = 0;
  data[1] = -0;
  data[2] = 1e-38;
  data[3] = 3.4e38;
  return { tokens: Array.from({ length: n }, (_, i) => (i === 1 ? 'ünïcode-é' : `item_${i * 7919}`)), dim, data };
}

function expectIdentical(a: WordVectors, b: WordVectors) {
  expect(b.tokens).toEqual(a.tokens);
  expect(b.dim).toBe(a.dim);
  // Byte equality: the same float32 bit patterns, -0 included.
  expect(
    Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).equals(
      Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength),
    ),
  ).toBe(true);
}

function expectError(fn: () => unknown, pattern: RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(MtrankError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('word2vec round trips', () => {
  const v = randomVectors(50, 7, 1);
  for (const ext of ['vec', 'txt', 'bin', 'csv']) {
    it(`.${ext}: write then read gives identical tokens and float32 values`, () => {
      const path = join(dir, `rt.${ext}`);
      writeVectors(path, v);
      expectIdentical(v, readVectors(path));
    });
  }
  it('binary layout is gensim\'s: "count dim\\n" then token, space, little-endian float32', () => {
    const path = join(dir, 'layout.bin');
    writeVectors(path, { tokens: ['a', 'bc'], dim: 2, data: Float32Array.from([1, -2, 0.5, 4]) });
    const bytes = readFileSync(path);
    const expected = Buffer.concat([Buffer.from('2 2\na '), f32(1, -2), Buffer.from('bc '), f32(0.5, 4)]);
    expect(bytes.equals(expected)).toBe(true);
  });
  it("reads the C tool's binary variant with a newline after each vector", () => {
    const path = join(dir, 'c-tool.bin');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from('2 2\na '), f32(1, -2), Buffer.from('\nbc '), f32(0.5, 4), Buffer.from('\n')]),
    );
    expect(readVectors(path)).toEqual({ tokens: ['a', 'bc'], dim: 2, data: Float32Array.from([1, -2, 0.5, 4]) });
  });
  it('reads fastText text (trailing spaces, CRLF) and headerless GloVe text', () => {
    const ft = join(dir, 'ft.vec');
    writeFileSync(ft, '2 3\r\nx 1 2 3 \r\ny -1.5 0 1e-3 \r\n');
    expect(readVectors(ft)).toEqual({ tokens: ['x', 'y'], dim: 3, data: Float32Array.from([1, 2, 3, -1.5, 0, 1e-3]) });
    const glove = join(dir, 'glove.txt');
    writeFileSync(glove, 'x 1 2 3\ny 4 5 6\n');
    expect(readVectors(glove).data).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
  });
  it('reads CSV with or without header, with quoted ids', () => {
    const p = join(dir, 'q.csv');
    writeFileSync(p, 'id,a,b\n"x,1",1,2\n"say ""hi""",3,4\n');
    expect(readVectors(p)).toEqual({ tokens: ['x,1', 'say "hi"'], dim: 2, data: Float32Array.from([1, 2, 3, 4]) });
    writeFileSync(p, '7,1,2\n8,3,4\n');
    expect(readVectors(p).tokens).toEqual(['7', '8']);
  });
  it('formats float32 with the shortest exact decimal', () => {
    expect(formatFloat32(0.1)).toBe('0.1');
    expect(formatFloat32(Math.fround(1 / 3))).toBe('0.33333334');
  });
});

describe('bad vector files name the file and the line', () => {
  const write = (name: string, body: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  it('wrong number of values on a line', () => {
    const p = write('short.vec', '3 3\na 1 2 3\nb 1 2\nc 1 2 3\n');
    expectError(() => readVectors(p), /short\.vec, line 3: expected 3 values after 'b', found 2/);
  });
  it('non-numeric value', () => {
    const p = write('nan.vec', '2 2\na 1 2\nb 1 x\n');
    expectError(() => readVectors(p), /nan\.vec, line 3: value 2 of 'b' is not a finite number: 'x'/);
  });
  it('header count disagrees with the rows', () => {
    const p = write('count.vec', '3 2\na 1 2\nb 1 2\n');
    expectError(() => readVectors(p), /count\.vec, line 1: header declares 3 vectors but the file holds 2/);
  });
  it('duplicate token', () => {
    const p = write('dup.csv', 'id,v1\na,1\nb,2\na,3\n');
    expectError(() => readVectors(p), /dup\.csv, line 4: duplicate token 'a' \(first at line 2\)/);
  });
  it('dimension mismatch with the feature', () => {
    const p = write('dim.vec', '1 4\na 1 2 3 4\n');
    expectError(
      () => readVectors(p, { expectDim: 8 }),
      /dim\.vec, line 1: vectors have dimension 4 but the feature's embeddingDim is 8/,
    );
  });
  it('truncated binary entry names the entry', () => {
    const p = write('trunc.bin', Buffer.concat([Buffer.from('2 2\na '), f32(1, 2), Buffer.from('b '), f32(1)]));
    expectError(() => readVectors(p), /trunc\.bin, row 2: entry 'b' is truncated/);
  });
  it('missing file', () => {
    expectError(() => readVectors(join(dir, 'nope.vec')), /nope\.vec: cannot read pretrained vectors/);
  });
});

function f32(...xs: number[]): Buffer {
  const b = Buffer.alloc(4 * xs.length);
  xs.forEach((x, i) => b.writeFloatLE(x, 4 * i));
  return b;
}
