/**
 * HdrHistogram V2 compressed encoding (the base64 form hdr-histogram-js's encodeIntoCompressedBase64
 * produces), written straight from a counts array of the agents' histogram layout: no HdrHistogram object
 * is built. Byte-identical to hdr-histogram-js (same header fields, ZigZag LEB128 counts with zero runs,
 * zlib deflate with default options); latency-counts tests compare the two.
 */
import { deflateSync } from 'node:zlib';

const ENCODING_COOKIE = 0x1c849303 | 0x10;
const COMPRESSED_COOKIE = 0x1c849304 | 0x10;
const HEADER_BYTES = 40;

export interface HdrLayout {
  significantDigits: number;
  lowestDiscernible: number;
  highestTrackable: number;
}

/** Appends the ZigZag LEB128-64b9B encoding of `value` (|value| < 2^53) at out[pos]; returns the new pos. */
function zigzag(out: Buffer, pos: number, value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  for (let i = 0; i < 8; i++) {
    if (v < 128) {
      out[pos++] = v;
      return pos;
    }
    out[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v & 0xff;
  return pos;
}

/**
 * Encodes counts[0 .. last] (`last` = index of the highest non-zero count, -1 when empty: encoded as one
 * zero count, as HdrHistogram does for an empty histogram).
 */
export function encodeCompressedV2(counts: ArrayLike<number>, last: number, layout: HdrLayout): string {
  const limit = Math.max(last, 0) + 1;
  const raw = Buffer.allocUnsafe(HEADER_BYTES + 9 * limit);
  raw.writeInt32BE(ENCODING_COOKIE, 0);
  raw.writeInt32BE(1, 8); // normalizing index offset, as hdr-histogram-js writes it
  raw.writeInt32BE(layout.significantDigits, 12);
  writeUint64(raw, 16, layout.lowestDiscernible);
  writeUint64(raw, 24, layout.highestTrackable);
  writeUint64(raw, 32, 1); // integer-to-double conversion ratio, as hdr-histogram-js writes it
  let pos = HEADER_BYTES;
  for (let i = 0; i < limit; ) {
    const count = counts[i++]!;
    if (count !== 0) {
      pos = zigzag(raw, pos, count);
      continue;
    }
    let zeros = 1;
    while (i < limit && counts[i] === 0) {
      zeros++;
      i++;
    }
    pos = zigzag(raw, pos, zeros > 1 ? -zeros : 0);
  }
  raw.writeInt32BE(pos - HEADER_BYTES, 4);
  const compressed = deflateSync(raw.subarray(0, pos));
  const out = Buffer.allocUnsafe(8 + compressed.length);
  out.writeInt32BE(COMPRESSED_COOKIE, 0);
  out.writeInt32BE(compressed.length, 4);
  compressed.copy(out, 8);
  return out.toString('base64');
}

function writeUint64(buf: Buffer, at: number, v: number): void {
  buf.writeUInt32BE(Math.floor(v / 2 ** 32), at);
  buf.writeUInt32BE(v % 2 ** 32, at + 4);
}
