// Pretrained vector files: word2vec text (.txt/.vec, gensim/fastText style), word2vec binary (.bin, gensim
// `save_word2vec_format(binary=True)` layout) and a plain `id,v1,...,vd` CSV. Every malformed entry is an
// MtrankError naming the file and the line (or, in a binary file, the entry number).
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { MtrankError, placeMessage } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** Row-major vectors: row r (data[r*dim .. (r+1)*dim)) belongs to tokens[r]. */
export interface WordVectors {
  tokens: string[];
  dim: number;
  data: Float32Array;
}

export type VectorFormat = 'word2vec-text' | 'word2vec-binary' | 'csv';

export interface ReadVectorsOptions {
  /** Default: by extension (.bin → binary, .csv → csv, anything else → word2vec text). */
  format?: VectorFormat | 'auto';
  /** Fail unless the file's dimension equals this (the feature's embeddingDim). */
  expectDim?: number;
}

export function formatFromPath(path: string): VectorFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.bin') return 'word2vec-binary';
  if (ext === '.csv') return 'csv';
  return 'word2vec-text';
}

export function readVectors(path: string, options: ReadVectorsOptions = {}): WordVectors {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new MtrankError(placeMessage({ file: path }, `cannot read pretrained vectors: ${(e as Error).message}`));
  }
  return parseVectors(bytes, path, options);
}

/** readVectors on a file's bytes already in memory (`path` names the file in errors and picks the format). */
export function parseVectors(bytes: Buffer, path: string, options: ReadVectorsOptions = {}): WordVectors {
  const format = !options.format || options.format === 'auto' ? formatFromPath(path) : options.format;
  const vectors =
    format === 'word2vec-binary'
      ? parseWord2vecBinary(bytes, path)
      : format === 'csv'
        ? parseCsvVectors(bytes.toString('utf8'), path)
        : parseWord2vecText(bytes.toString('utf8'), path);
  if (options.expectDim !== undefined && vectors.dim !== options.expectDim) {
    throw new MtrankError(
      placeMessage(
        { file: path, line: 1 },
        `vectors have dimension ${vectors.dim} but the feature's embeddingDim is ${options.expectDim}`,
      ),
    );
  }
  return vectors;
}

/** Collects rows, rejecting duplicate tokens and rows of the wrong length. */
class VectorCollector {
  readonly tokens: string[] = [];
  private values: Float32Array;
  private readonly seen = new Map<string, number>();
  constructor(
    readonly file: string,
    readonly dim: number,
    capacity = 1024,
  ) {
    this.values = new Float32Array(dim * Math.max(1, capacity));
  }

  add(token: string, line: number, fields: ArrayLike<string>, start: number): void {
    const n = fields.length - start;
    if (n !== this.dim)
      throw new MtrankError(
        placeMessage({ file: this.file, line }, `expected ${this.dim} values after '${token}', found ${n}`),
      );
    if (token === '') throw new MtrankError(placeMessage({ file: this.file, line }, 'empty token'));
    const row = this.reserve(token, line);
    for (let c = 0; c < n; c++) {
      const s = fields[start + c]!;
      const v = Number(s);
      if (s === '' || !Number.isFinite(v)) {
        throw new MtrankError(
          placeMessage({ file: this.file, line }, `value ${c + 1} of '${token}' is not a finite number: '${s}'`),
        );
      }
      this.values[row * this.dim + c] = v;
    }
  }

  /** Appends a row for `token` and returns its index (values are then written by the caller). */
  reserve(token: string, line: number, where: 'line' | 'row' = 'line'): number {
    const first = this.seen.get(token);
    if (first !== undefined) {
      throw new MtrankError(
        placeMessage({ file: this.file, [where]: line }, `duplicate token '${token}' (first at ${where} ${first})`),
      );
    }
    this.seen.set(token, line);
    const row = this.tokens.length;
    if ((row + 1) * this.dim > this.values.length) {
      const bigger = new Float32Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.tokens.push(token);
    return row;
  }

  get buffer(): Float32Array {
    return this.values;
  }
  finish(): WordVectors {
    return { tokens: this.tokens, dim: this.dim, data: this.values.slice(0, this.tokens.length * this.dim) };
  }
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** "count dim" header (gensim, fastText); a file without one (GloVe) takes its dimension from the first row. */
export function parseWord2vecText(text: string, file = '<text>'): WordVectors {
  const lines = splitLines(text);
  if (lines.length === 0) throw new MtrankError(placeMessage({ file }, 'empty vector file'));
  const head = lines[0]!.trim().split(/\s+/);
  const hasHeader = head.length === 2 && /^\d+$/.test(head[0]!) && /^\d+$/.test(head[1]!);
  let declared = -1;
  let dim: number;
  if (hasHeader) {
    declared = Number(head[0]);
    dim = Number(head[1]);
    if (dim < 1) throw new MtrankError(placeMessage({ file, line: 1 }, `header declares dimension ${dim}`));
  } else {
    dim = head.length - 1;
    if (dim < 1)
      throw new MtrankError(
        placeMessage({ file, line: 1 }, `expected "count dim" header or "token v1 ... vd", found '${lines[0]}'`),
      );
  }
  const out = new VectorCollector(file, dim, declared > 0 ? declared : lines.length);
  for (let i = hasHeader ? 1 : 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    // fastText writes a trailing space after the last value.
    const fields = line.trim().split(/[ \t]+/);
    out.add(fields[0]!, i + 1, fields, 1);
  }
  if (declared >= 0 && out.tokens.length !== declared) {
    throw new MtrankError(
      placeMessage({ file, line: 1 }, `header declares ${declared} vectors but the file holds ${out.tokens.length}`),
    );
  }
  return out.finish();
}

/** `id,v1,...,vd`, with or without a header row (a header is a first row whose values are not all numbers). */
export function parseCsvVectors(text: string, file = '<csv>'): WordVectors {
  const lines = splitLines(text);
  let first = 0;
  while (first < lines.length && lines[first]!.trim() === '') first++;
  if (first === lines.length) throw new MtrankError(placeMessage({ file }, 'empty vector file'));
  const headFields = splitCsvLine(lines[first]!, file, first + 1);
  const isHeader = headFields.slice(1).some((f) => f.trim() === '' || !Number.isFinite(Number(f)));
  const dim = headFields.length - 1;
  if (dim < 1)
    throw new MtrankError(placeMessage({ file, line: first + 1 }, `expected 'id,v1,...,vd', found '${lines[first]}'`));
  const out = new VectorCollector(file, dim, lines.length);
  for (let i = isHeader ? first + 1 : first; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const fields = splitCsvLine(lines[i]!, file, i + 1);
    out.add(
      fields[0]!,
      i + 1,
      fields.map((f, k) => (k === 0 ? f : f.trim())),
      1,
    );
  }
  return out.finish();
}

/** Splits on commas; a field may be double-quoted ("" escapes a quote) so ids can contain commas. */
function splitCsvLine(line: string, file: string, lineNo: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new MtrankError(placeMessage({ file, line: lineNo }, 'unterminated quoted field'));
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i < line.length && line[i] !== ',')
        throw new MtrankError(placeMessage({ file, line: lineNo }, 'text after a closing quote'));
    } else {
      const comma = line.indexOf(',', i);
      fields.push(comma < 0 ? line.slice(i) : line.slice(i, comma));
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    i++; // skip the comma
  }
}

/**
 * Binary layout: ASCII header "count dim\n", then per entry the UTF-8 token, one space, dim little-endian float32.
 * The C tool writes "\n" after each vector and gensim 4 does not; both read here.
 */
export function parseWord2vecBinary(bytes: Uint8Array, file = '<binary>'): WordVectors {
  const nl = bytes.indexOf(0x0a);
  if (nl < 0) throw new MtrankError(placeMessage({ file, line: 1 }, 'missing "count dim" header'));
  const head = Buffer.from(bytes.subarray(0, nl)).toString('ascii').trim().split(/\s+/);
  if (head.length !== 2 || !/^\d+$/.test(head[0]!) || !/^\d+$/.test(head[1]!) || Number(head[1]) < 1) {
    throw new MtrankError(placeMessage({ file, line: 1 }, `expected "count dim" header, found '${head.join(' ')}'`));
  }
  const count = Number(head[0]),
    dim = Number(head[1]);
  const out = new VectorCollector(file, dim, count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let pos = nl + 1;
  for (let e = 1; e <= count; e++) {
    while (pos < bytes.length && bytes[pos] === 0x0a) pos++;
    const space = bytes.indexOf(0x20, pos);
    if (space < 0 || pos >= bytes.length) {
      throw new MtrankError(
        placeMessage({ file, row: e }, `file ends before entry ${e} of ${count} declared in the header`),
      );
    }
    const token = decoder.decode(bytes.subarray(pos, space));
    if (token === '') throw new MtrankError(placeMessage({ file, row: e }, 'empty token'));
    pos = space + 1;
    if (pos + 4 * dim > bytes.length) {
      throw new MtrankError(
        placeMessage({ file, row: e }, `entry '${token}' is truncated: expected ${dim} float32 values`),
      );
    }
    const row = out.reserve(token, e, 'row');
    const target = out.buffer;
    for (let c = 0; c < dim; c++) {
      const v = view.getFloat32(pos + 4 * c, true);
      if (!Number.isFinite(v))
        throw new MtrankError(placeMessage({ file, row: e }, `value ${c + 1} of '${token}' is not finite`));
      target[row * dim + c] = v;
    }
    pos += 4 * dim;
  }
  while (pos < bytes.length && (bytes[pos] === 0x0a || bytes[pos] === 0x0d)) pos++;
  if (pos !== bytes.length) {
    throw new MtrankError(
      placeMessage({ file, row: count + 1 }, `extra data after the ${count} entries declared in the header`),
    );
  }
  return out.finish();
}

function checkTokens(v: WordVectors): void {
  if (v.data.length !== v.tokens.length * v.dim)
    throw new Error(`vectors: ${v.tokens.length} tokens × ${v.dim} ≠ ${v.data.length} values`);
  for (const t of v.tokens) {
    if (t === '' || /[\s]/.test(t))
      throw new MtrankError(`token '${t}' cannot be written in word2vec format (empty or contains whitespace)`);
  }
}

/** Shortest decimal that reads back as the same float32, so text round trips are exact. */
export function formatFloat32(x: number): string {
  const f = Math.fround(x);
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  for (let p = 6; p < 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(Number(f.toPrecision(9)));
}

export function word2vecText(v: WordVectors): string {
  checkTokens(v);
  const parts: string[] = [`${v.tokens.length} ${v.dim}\n`];
  const row: string[] = new Array(v.dim);
  for (let r = 0; r < v.tokens.length; r++) {
    for (let c = 0; c < v.dim; c++) row[c] = formatFloat32(v.data[r * v.dim + c]!);
    parts.push(`${v.tokens[r]} ${row.join(' ')}\n`);
  }
  return parts.join('');
}

export function word2vecBinary(v: WordVectors): Buffer {
  checkTokens(v);
  const tokenBytes = v.tokens.map((t) => Buffer.from(`${t} `, 'utf8'));
  const header = Buffer.from(`${v.tokens.length} ${v.dim}\n`, 'ascii');
  const size = header.length + tokenBytes.reduce((s, b) => s + b.length, 0) + 4 * v.data.length;
  const out = Buffer.alloc(size);
  let pos = header.copy(out, 0);
  for (let r = 0; r < v.tokens.length; r++) {
    pos += tokenBytes[r]!.copy(out, pos);
    for (let c = 0; c < v.dim; c++, pos += 4) out.writeFloatLE(v.data[r * v.dim + c]!, pos);
  }
  return out;
}

export function csvVectors(v: WordVectors): string {
  const quote = (t: string) => (/[",\n\r]/.test(t) || t !== t.trim() ? `"${t.replace(/"/g, '""')}"` : t);
  const header = ['id', ...Array.from({ length: v.dim }, (_, c) => `v${c + 1}`)].join(',');
  const lines = [header];
  for (let r = 0; r < v.tokens.length; r++) {
    const row = [quote(v.tokens[r]!)];
    for (let c = 0; c < v.dim; c++) row.push(formatFloat32(v.data[r * v.dim + c]!));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

/** Writes atomically in the format the extension names (see formatFromPath), unless `format` is given. */
export function writeVectors(path: string, v: WordVectors, format: VectorFormat = formatFromPath(path)): void {
  const body = format === 'word2vec-binary' ? word2vecBinary(v) : format === 'csv' ? csvVectors(v) : word2vecText(v);
  writeFileAtomic(path, body);
}
