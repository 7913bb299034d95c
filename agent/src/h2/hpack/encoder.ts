/**
 * HPACK encoder. It mirrors the table the peer's decoder keeps, so it must see every header block in the
 * order the blocks go on the wire. Two indexing policies:
 * - evict (RFC 7541 behaviour, used by the Appendix C tests): every new field is inserted, oldest evicted;
 * - keep: a field is inserted only if it fits without evicting anything, else sent as a literal without
 *   indexing. Entries never move out, so a cached block stays valid as long as nothing new was inserted,
 *   which `generation` tells (see request-headers.ts).
 */
import { DynamicTable } from './dynamic-table.js';
import { huffmanEncode, huffmanEncodedLength } from './huffman.js';
import { ENTRY_OVERHEAD, STATIC_TABLE, STATIC_TABLE_LENGTH } from './static-table.js';

export type HeaderField = readonly [name: string, value: string];

export interface EncodeOptions {
  /** Insert policy: 'evict' (RFC) or 'keep' (never evict). Default 'keep'. */
  policy?: 'evict' | 'keep';
  /** Huffman-encode strings unless that is longer. Default true. */
  huffman?: boolean;
}

const STATIC_FULL = new Map<string, number>();
const STATIC_NAME = new Map<string, number>();
STATIC_TABLE.forEach(([name, value], i) => {
  if (!STATIC_FULL.has(`${name}\0${value}`)) STATIC_FULL.set(`${name}\0${value}`, i + 1);
  if (!STATIC_NAME.has(name)) STATIC_NAME.set(name, i + 1);
});

export class HpackEncoder {
  private readonly table: DynamicTable;
  /** Our own cap on the table; the peer's SETTINGS_HEADER_TABLE_SIZE may lower it. */
  private readonly cap: number;
  /** Smallest and final size since the last block, when a size update must be signalled (§4.2). */
  private pendingMin = -1;
  private pendingFinal = -1;
  private out = Buffer.allocUnsafe(1024);
  private pos = 0;
  /** Bumped on every change of the table: blocks encoded under another generation are stale. */
  generation = 0;

  constructor(maxTableSize = 4096) {
    this.cap = maxTableSize;
    this.table = new DynamicTable(maxTableSize);
  }

  get tableSize(): number {
    return this.table.size;
  }

  /** The peer's SETTINGS_HEADER_TABLE_SIZE: the table may use at most that (and at most our cap). */
  setPeerMaxTableSize(size: number): void {
    const next = Math.min(size, this.cap);
    if (next === this.table.maxSize) return;
    this.pendingMin = this.pendingMin < 0 ? Math.min(next, this.table.maxSize) : Math.min(this.pendingMin, next);
    this.pendingFinal = next;
    this.table.setMaxSize(next);
    this.generation++;
  }

  /** Encodes one header block; the result is a fresh Buffer the caller may keep. */
  encode(fields: readonly HeaderField[], opts: EncodeOptions = {}): Buffer {
    const evict = opts.policy === 'evict';
    const huffman = opts.huffman ?? true;
    this.pos = 0;
    if (this.pendingFinal >= 0) {
      this.integer(this.pendingMin, 5, 0x20);
      if (this.pendingFinal !== this.pendingMin) this.integer(this.pendingFinal, 5, 0x20);
      this.pendingMin = this.pendingFinal = -1;
      this.generation++; // the update is sent once: a block carrying it must not be replayed
    }
    for (const [name, value] of fields) this.field(name, value, evict, huffman);
    return Buffer.from(this.out.subarray(0, this.pos));
  }

  private field(name: string, value: string, evict: boolean, huffman: boolean): void {
    const full = STATIC_FULL.get(`${name}\0${value}`) ?? this.dynamicIndex(name, value);
    if (full !== undefined) {
      this.integer(full, 7, 0x80);
      return;
    }
    const nameIndex = STATIC_NAME.get(name) ?? this.dynamicIndex(name, undefined) ?? 0;
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    const insert = evict || this.table.size + entrySize <= this.table.maxSize;
    // 01 = literal with incremental indexing (6-bit index), 0000 = without indexing (4-bit index).
    if (insert) this.integer(nameIndex, 6, 0x40);
    else this.integer(nameIndex, 4, 0x00);
    if (nameIndex === 0) this.string(name, huffman);
    this.string(value, huffman);
    if (insert) {
      this.table.add(name, value);
      this.generation++;
    }
  }

  /** Index (62+) of a dynamic entry with this name and, if given, this value. */
  private dynamicIndex(name: string, value: string | undefined): number | undefined {
    for (let i = 0; i < this.table.length; i++) {
      if (this.table.name(i) === name && (value === undefined || this.table.value(i) === value)) return STATIC_TABLE_LENGTH + 1 + i;
    }
    return undefined;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.pos + n));
    this.out.copy(bigger, 0, 0, this.pos);
    this.out = bigger;
  }

  /** RFC 7541 §5.1 integer with an N-bit prefix; `flags` fills the bits above the prefix. */
  private integer(value: number, prefixBits: number, flags: number): void {
    this.ensure(6);
    const max = (1 << prefixBits) - 1;
    if (value < max) {
      this.out[this.pos++] = flags | value;
      return;
    }
    this.out[this.pos++] = flags | max;
    value -= max;
    while (value >= 128) {
      this.out[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.out[this.pos++] = value;
  }

  private string(s: string, huffman: boolean): void {
    const raw = Buffer.from(s, 'latin1');
    const hlen = huffman ? huffmanEncodedLength(raw) : Infinity;
    if (hlen <= raw.length) {
      this.integer(hlen, 7, 0x80);
      this.ensure(hlen);
      this.pos = huffmanEncode(raw, 0, raw.length, this.out, this.pos);
    } else {
      this.integer(raw.length, 7, 0x00);
      this.ensure(raw.length);
      raw.copy(this.out, this.pos);
      this.pos += raw.length;
    }
  }
}
