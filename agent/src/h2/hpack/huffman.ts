/**
 * HPACK Huffman coding (RFC 7541 §5.2, Appendix B). Codes are rebuilt from the canonical code lengths;
 * decoding walks a flat binary tree one bit at a time. Decoding only runs for literal header strings,
 * which etcd's server sends once per connection (after that it refers to its dynamic table), so
 * simplicity wins over a table-driven decoder here.
 */
import { HUFFMAN_CODE_LENGTHS } from './huffman-table.js';

/** A malformed header block (HPACK decoding error): a connection error of type COMPRESSION_ERROR. */
export class HpackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HpackError';
  }
}

const EOS = 256;

interface HuffmanCode {
  /** Code of each symbol, right-aligned (up to 30 bits). */
  codes: readonly number[];
  /** Decode tree: node n has children at 2n (bit 0) and 2n+1 (bit 1); > 0 is a node, <= 0 is leaf -symbol. */
  tree: Int32Array;
}

function buildCode(): HuffmanCode {
  const order = HUFFMAN_CODE_LENGTHS.map((len, sym) => ({ len, sym })).sort((a, b) => a.len - b.len || a.sym - b.sym);
  const codes = new Array<number>(HUFFMAN_CODE_LENGTHS.length).fill(0);
  let code = 0;
  let prevLen = order[0]!.len;
  for (const { len, sym } of order) {
    code *= 2 ** (len - prevLen); // canonical: extend the running code when the length grows
    prevLen = len;
    codes[sym] = code++;
  }
  // 256 internal nodes suffice for 257 leaves; node 0 is the root. Unset children stay 0 = "no such code".
  const tree = new Int32Array(2 * 257).fill(0x7fffffff);
  let nextNode = 1;
  for (let sym = 0; sym < codes.length; sym++) {
    const len = HUFFMAN_CODE_LENGTHS[sym]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(codes[sym]! / 2 ** i) & 1;
      const slot = 2 * node + bit;
      if (i === 0) tree[slot] = -sym;
      else {
        if (tree[slot] === 0x7fffffff) tree[slot] = nextNode++;
        node = tree[slot]!;
      }
    }
  }
  return { codes, tree };
}

const HUFFMAN = buildCode();
const NO_CODE = 0x7fffffff;

/** The Huffman code of a symbol (0..256), right-aligned, and its length in bits. */
export function huffmanCode(sym: number): { code: number; bits: number } {
  return { code: HUFFMAN.codes[sym]!, bits: HUFFMAN_CODE_LENGTHS[sym]! };
}

/** Bytes that huffmanEncode would write for src[start, end). */
export function huffmanEncodedLength(src: Uint8Array, start = 0, end = src.length): number {
  let bits = 0;
  for (let i = start; i < end; i++) bits += HUFFMAN_CODE_LENGTHS[src[i]!]!;
  return Math.ceil(bits / 8);
}

/** Writes the Huffman encoding of src[start, end) at out[pos]; returns the new position. */
export function huffmanEncode(src: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): number {
  let acc = 0; // pending bits, at most 7 + 30: exact in a double
  let n = 0;
  for (let i = start; i < end; i++) {
    const sym = src[i]!;
    const len = HUFFMAN_CODE_LENGTHS[sym]!;
    acc = acc * 2 ** len + HUFFMAN.codes[sym]!;
    n += len;
    while (n >= 8) {
      n -= 8;
      const div = 2 ** n;
      out[pos++] = Math.floor(acc / div) & 0xff;
      acc %= div;
    }
  }
  // Pad with the most significant bits of EOS (all ones).
  if (n > 0) out[pos++] = ((acc << (8 - n)) | (0xff >> n)) & 0xff;
  return pos;
}

/**
 * Decodes src[start, end) into out (which must hold at least 8/5 * length bytes); returns the decoded
 * length. Rejects EOS inside the string, padding longer than 7 bits and padding that is not all ones.
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
  const tree = HUFFMAN.tree;
  let node = 0;
  let bitsSinceSymbol = 0;
  let allOnes = true;
  let pos = 0;
  for (let i = start; i < end; i++) {
    const byte = src[i]!;
    for (let shift = 7; shift >= 0; shift--) {
      const bit = (byte >> shift) & 1;
      const next = tree[2 * node + bit]!;
      if (next === NO_CODE) throw new HpackError('invalid Huffman code');
      bitsSinceSymbol++;
      if (bit === 0) allOnes = false;
      if (next <= 0) {
        if (next === -EOS) throw new HpackError('Huffman-encoded string contains EOS');
        out[pos++] = -next;
        node = 0;
        bitsSinceSymbol = 0;
        allOnes = true;
      } else node = next;
    }
  }
  if (bitsSinceSymbol > 7) throw new HpackError('Huffman padding longer than 7 bits');
  if (!allOnes) throw new HpackError('Huffman padding is not a prefix of EOS');
  return pos;
}
