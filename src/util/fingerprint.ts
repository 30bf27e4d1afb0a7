// Content fingerprints of files: byte size + CRC-32 of the bytes, read in blocks (CRC-32 runs at GB/s in
// zlib, so fingerprinting a data source costs little next to parsing it). Detects changed, truncated or
// bit-flipped files; not a defence against deliberate forgery.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from './crc32.js';

export interface FileFingerprint {
  size: number;
  crc32: number;
}

const BLOCK = 4 << 20;

export function fingerprintFile(path: string): FileFingerprint {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(Math.min(BLOCK, Math.max(size, 1)));
    let crc = 0,
      pos = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      crc = crc32(buf.subarray(0, n), crc);
      pos += n;
    }
    return { size: pos, crc32: crc };
  } finally {
    closeSync(fd);
  }
}
