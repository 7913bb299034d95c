import { regexGenerator, type RandExpInstance } from './randexp.js';
import type { ValueSpec } from './parse.js';

/**
 * Values for a pattern's keys. Generating a regex value with randexp takes ~0.1 ms, too slow for an
 * initial load at full speed, so regex values come from a pool of pre-generated ones, one of which is
 * replaced every POOL_SIZE uses; digit strings (val-spec) and #N byte values are slices of a random pool.
 */
const POOL_SIZE = 64;

export class PatternValues {
  private readonly pool: Buffer[] = [];
  private readonly gen: RandExpInstance | undefined;
  private readonly bytes: Buffer | undefined;
  private uses = 0;

  constructor(
    readonly spec: ValueSpec,
    private readonly random: () => number = Math.random,
  ) {
    if (spec.kind === 'regex') {
      this.gen = regexGenerator(spec.regex, this.random);
      for (let i = 0; i < POOL_SIZE; i++) this.pool.push(Buffer.from(this.gen.gen()));
    } else {
      const max = spec.kind === 'digits' ? spec.max : spec.size;
      const size = Math.max(65_536, 2 * max);
      const b = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i++) b[i] = spec.kind === 'digits' ? 48 + Math.floor(this.random() * 10) : Math.floor(this.random() * 256);
      this.bytes = b;
    }
  }

  next(): Buffer {
    if (this.gen) {
      const i = Math.floor(this.random() * POOL_SIZE);
      if (++this.uses % POOL_SIZE === 0) this.pool[i] = Buffer.from(this.gen.gen());
      return this.pool[i] as Buffer;
    }
    const s = this.spec;
    const len = s.kind === 'digits' ? s.min + Math.floor(this.random() * (s.max - s.min + 1)) : (s as { size: number }).size;
    const bytes = this.bytes as Buffer;
    const start = Math.floor(this.random() * (bytes.length - len + 1));
    return bytes.subarray(start, start + len);
  }

  /** Size bounds, for explain. */
  sizeRange(): { min: number; max: number } {
    const s = this.spec;
    if (s.kind === 'digits') return { min: s.min, max: s.max };
    if (s.kind === 'bytes') return { min: s.size, max: s.size };
    const lens = this.pool.map((b) => b.length);
    return { min: Math.min(...lens), max: Math.max(...lens) };
  }
}
