/**
 * HPACK decoder (RFC 7541): indexed fields, literals with and without indexing, never-indexed literals,
 * dynamic table size updates, Huffman strings. Fields go to a sink one by one, so a decoded response
 * allocates nothing when the server refers to its table (etcd's Go server does after the first response).
 */
import { DynamicTable } from './dynamic-table.js';
import { HpackError, huffmanDecode } from './huffman.js';
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from './static-table.js';

export interface HeaderSink {
  /** One header field; name and value are latin1 strings (one char per octet). */
  onHeader(name: string, value: string): void;
}

/** Integers above this in a header block are treated as malformed (no legitimate field comes close). */
const MAX_INTEGER = 2 ** 31 - 1;

export class HpackDecoder {
  private readonly table: DynamicTable;
  private scratch = Buffer.allocUnsafe(512);
  /** Read cursor while decoding a block. */
  private pos = 0;

  /** `maxTableSize` is our SETTINGS_HEADER_TABLE_SIZE: the largest table the peer may ask for. */
  constructor(private readonly maxTableSize = 4096) {
    this.table = new DynamicTable(maxTableSize);
  }

  /** Current dynamic table size in octets (for tests). */
  get tableSize(): number {
    return this.table.size;
  }

  get tableLength(): number {
    return this.table.length;
  }

  /** Decodes one complete header block buf[start, end). Throws HpackError on malformed input. */
  decode(buf: Buffer, start: number, end: number, sink: HeaderSink | undefined): void {
    this.pos = start;
    let fields = 0;
    while (this.pos < end) {
      const b = buf[this.pos]!;
      if (b & 0x80) {
        const index = this.integer(buf, end, 7);
        if (index === 0) throw new HpackError('indexed header field with index 0');
        sink?.onHeader(this.nameAt(index), this.valueAt(index));
        fields++;
      } else if (b & 0x40) {
        const nameIndex = this.integer(buf, end, 6);
        const name = nameIndex === 0 ? this.string(buf, end) : this.nameAt(nameIndex);
        const value = this.string(buf, end);
        this.table.add(name, value);
        sink?.onHeader(name, value);
        fields++;
      } else if (b & 0x20) {
        if (fields > 0) throw new HpackError('dynamic table size update after a header field');
        const size = this.integer(buf, end, 5);
        if (size > this.maxTableSize) throw new HpackError(`dynamic table size update to ${size} above the limit ${this.maxTableSize}`);
        this.table.setMaxSize(size);
      } else {
        // 0000 literal without indexing, 0001 never indexed: the same to a decoder.
        const nameIndex = this.integer(buf, end, 4);
        const name = nameIndex === 0 ? this.string(buf, end) : this.nameAt(nameIndex);
        const value = this.string(buf, end);
        sink?.onHeader(name, value);
        fields++;
      }
    }
  }

  private nameAt(index: number): string {
    if (index <= STATIC_TABLE_LENGTH) return STATIC_TABLE[index - 1]![0];
    const i = index - STATIC_TABLE_LENGTH - 1;
    if (i >= this.table.length) throw new HpackError(`header index ${index} is not in the table`);
    return this.table.name(i);
  }

  private valueAt(index: number): string {
    if (index <= STATIC_TABLE_LENGTH) return STATIC_TABLE[index - 1]![1];
    return this.table.value(index - STATIC_TABLE_LENGTH - 1); // nameAt checked the bound
  }

  /** An integer with an N-bit prefix (RFC 7541 §5.1) at this.pos. */
  private integer(buf: Buffer, end: number, prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = buf[this.pos++]! & max;
    if (value < max) return value;
    let factor = 1;
    for (;;) {
      if (this.pos >= end) throw new HpackError('truncated integer');
      const b = buf[this.pos++]!;
      value += (b & 0x7f) * factor;
      if (value > MAX_INTEGER) throw new HpackError('integer too large');
      if (b < 0x80) return value;
      factor *= 128;
    }
  }

  /** A string literal (§5.2) at this.pos, Huffman-decoded if flagged. */
  private string(buf: Buffer, end: number): string {
    if (this.pos >= end) throw new HpackError('truncated string literal');
    const huffman = (buf[this.pos]! & 0x80) !== 0;
    const len = this.integer(buf, end, 7);
    const start = this.pos;
    if (len > end - start) throw new HpackError('string literal runs past the end of the block');
    this.pos = start + len;
    if (!huffman) return buf.toString('latin1', start, start + len);
    // The shortest code is 5 bits, so n octets decode to at most 8n/5 symbols.
    const need = Math.ceil((len * 8) / 5);
    if (this.scratch.length < need) this.scratch = Buffer.allocUnsafe(Math.max(need, this.scratch.length * 2));
    const n = huffmanDecode(buf, start, start + len, this.scratch);
    return this.scratch.toString('latin1', 0, n);
  }
}
