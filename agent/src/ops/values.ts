import { randomBytes } from 'node:crypto';

/** First bytes of a value that carries its put's send time, so a watcher anywhere can time the event. */
const STAMP_MAGIC = 0x654c5731; // "eLW1"
export const STAMP_BYTES = 12;

/**
 * Values for a phase: random bytes generated once, then sliced (ranged sizes pick a length per value).
 * With `stamp`, each value starts with the magic and the send time in coordinator-clock milliseconds;
 * the stamp is written into the shared buffer just before the request is encoded (encoding copies it
 * synchronously), so concurrent requests never see each other's stamp.
 */
export class ValueSource {
  private readonly buf: Buffer;

  constructor(
    readonly min: number,
    readonly max: number,
    private readonly stampClock: (() => number) | undefined,
    private readonly random: () => number = Math.random,
  ) {
    this.buf = randomBytes(Math.max(max, STAMP_BYTES));
  }

  /** A value for the next request (a view of the shared buffer: use it before the next await). */
  next(): Buffer {
    const len = this.min === this.max ? this.min : this.min + Math.floor(this.random() * (this.max - this.min + 1));
    if (this.stampClock && len >= STAMP_BYTES) {
      this.buf.writeUInt32BE(STAMP_MAGIC, 0);
      this.buf.writeDoubleBE(this.stampClock(), 4);
    }
    return this.buf.subarray(0, len);
  }
}

/** The send time a stamped value carries (coordinator-clock ms), or undefined for any other value. */
export function readStamp(value: Buffer): number | undefined {
  if (value.length < STAMP_BYTES || value.readUInt32BE(0) !== STAMP_MAGIC) return undefined;
  const t = value.readDoubleBE(4);
  return Number.isFinite(t) ? t : undefined;
}
