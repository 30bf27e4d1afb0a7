import * as zlib from 'node:zlib';

type Crc = (data: Uint8Array, value?: number) => number;
const nativeCrc = (zlib as unknown as { crc32?: Crc }).crc32;
let table: Uint32Array | null = null;

/** CRC-32 (IEEE), continued from `value`: zlib's when Node has it (>= 20.15), else a table-driven loop. */
export function crc32(data: Uint8Array, value = 0): number {
  if (nativeCrc) return nativeCrc(data, value);
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
