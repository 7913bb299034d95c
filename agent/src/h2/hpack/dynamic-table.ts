/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): newest entry first, evicting the oldest to stay within
 * maxSize. A ring of parallel arrays, so lookups and insertions allocate nothing once it has grown.
 * Strings are latin1 (one char per octet), so size accounting is by string length.
 */
import { ENTRY_OVERHEAD } from './static-table.js';

export class DynamicTable {
  private names: string[] = new Array<string>(16);
  private values: string[] = new Array<string>(16);
  private mask = 15;
  /** Slot the next insertion goes to. */
  private tail = 0;
  private count = 0;
  /** Sum of entry sizes (name + value + 32). */
  size = 0;

  constructor(public maxSize: number) {}

  get length(): number {
    return this.count;
  }

  /** Name of entry i (0 = newest); the caller checks i < length. */
  name(i: number): string {
    return this.names[(this.tail - 1 - i) & this.mask]!;
  }

  value(i: number): string {
    return this.values[(this.tail - 1 - i) & this.mask]!;
  }

  /** Inserts an entry, evicting as needed; an entry larger than maxSize empties the table (§4.4). */
  add(name: string, value: string): void {
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    this.evictTo(this.maxSize - entrySize);
    if (entrySize > this.maxSize) return;
    if (this.count > this.mask) this.grow();
    this.names[this.tail] = name;
    this.values[this.tail] = value;
    this.tail = (this.tail + 1) & this.mask;
    this.count++;
    this.size += entrySize;
  }

  setMaxSize(maxSize: number): void {
    this.maxSize = maxSize;
    this.evictTo(maxSize);
  }

  private evictTo(limit: number): void {
    while (this.count > 0 && this.size > limit) {
      const slot = (this.tail - this.count) & this.mask;
      this.size -= this.names[slot]!.length + this.values[slot]!.length + ENTRY_OVERHEAD;
      this.names[slot] = '';
      this.values[slot] = '';
      this.count--;
    }
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const names = new Array<string>(cap);
    const values = new Array<string>(cap);
    // Oldest first, so the ring restarts at slot 0.
    for (let k = 0; k < this.count; k++) {
      const slot = (this.tail - this.count + k) & this.mask;
      names[k] = this.names[slot]!;
      values[k] = this.values[slot]!;
    }
    this.names = names;
    this.values = values;
    this.mask = cap - 1;
    this.tail = this.count;
  }
}
