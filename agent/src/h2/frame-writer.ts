/**
 * Collects outgoing frames for one connection until the next flush, so that everything queued in one
 * event-loop turn leaves in a single socket write. Frames are appended into a large chunk; a flush hands
 * the socket the slice written since the last flush and later frames continue after it in the same chunk
 * (a handed-over slice is never written again), so batching costs neither copies nor many allocations.
 * Large payloads are referenced, not copied.
 */
import { CLIENT_PREFACE, FRAME_HEADER_BYTES, Flag, FrameType } from './constants.js';

const CHUNK_BYTES = 64 * 1024;
/** Payloads at least this large are passed to the socket as they are instead of being copied. */
const COPY_LIMIT = 4 * 1024;

export class FrameWriter {
  private chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  /** Start of what has not been handed over yet. */
  private from = 0;
  private pos = 0;
  /** Slices and referenced payloads queued before the current chunk region, in wire order. */
  private ready: Buffer[] = [];
  private queuedBytes = 0;

  /** Bytes queued since the last take(). */
  get length(): number {
    return this.queuedBytes;
  }

  preface(): void {
    this.raw(CLIENT_PREFACE, 0, CLIENT_PREFACE.length);
  }

  /** SETTINGS with [id, value] pairs (or an ACK when `ack`). */
  settings(pairs: ReadonlyArray<readonly [number, number]>, ack = false): void {
    this.header(ack ? 0 : pairs.length * 6, FrameType.SETTINGS, ack ? Flag.ACK : 0, 0);
    if (ack) return;
    const b = this.reserve(pairs.length * 6);
    for (const [id, value] of pairs) {
      b.writeUInt16BE(id, this.pos);
      b.writeUInt32BE(value, this.pos + 2);
      this.pos += 6;
    }
  }

  windowUpdate(streamId: number, increment: number): void {
    this.header(4, FrameType.WINDOW_UPDATE, 0, streamId);
    this.reserve(4).writeUInt32BE(increment, this.pos);
    this.pos += 4;
  }

  rstStream(streamId: number, code: number): void {
    this.header(4, FrameType.RST_STREAM, 0, streamId);
    this.reserve(4).writeUInt32BE(code, this.pos);
    this.pos += 4;
  }

  ping(data: Buffer, start: number, ack: boolean): void {
    this.header(8, FrameType.PING, ack ? Flag.ACK : 0, 0);
    const b = this.reserve(8);
    data.copy(b, this.pos, start, start + 8);
    this.pos += 8;
  }

  goaway(lastStreamId: number, code: number, debug: string): void {
    const text = Buffer.from(debug, 'utf8');
    this.header(8 + text.length, FrameType.GOAWAY, 0, 0);
    const b = this.reserve(8 + text.length);
    b.writeUInt32BE(lastStreamId, this.pos);
    b.writeUInt32BE(code, this.pos + 4);
    text.copy(b, this.pos + 8);
    this.pos += 8 + text.length;
  }

  /** A header block as HEADERS plus CONTINUATION frames of at most maxFrameSize bytes each. */
  headers(streamId: number, block: Buffer, endStream: boolean, maxFrameSize: number): void {
    const first = Math.min(block.length, maxFrameSize);
    const endFlag = endStream ? Flag.END_STREAM : 0;
    this.header(first, FrameType.HEADERS, endFlag | (first === block.length ? Flag.END_HEADERS : 0), streamId);
    this.payload(block, 0, first);
    for (let at = first; at < block.length; ) {
      const n = Math.min(block.length - at, maxFrameSize);
      this.header(n, FrameType.CONTINUATION, at + n === block.length ? Flag.END_HEADERS : 0, streamId);
      this.payload(block, at, at + n);
      at += n;
    }
  }

  /** One DATA frame carrying data[start, end); the caller respects flow control and the frame size. */
  data(streamId: number, data: Buffer, start: number, end: number, endStream: boolean): void {
    this.header(end - start, FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId);
    this.payload(data, start, end);
  }

  /** Everything queued since the last call, in order; empty when nothing is. */
  take(): Buffer[] {
    this.seal();
    const out = this.ready;
    this.ready = [];
    this.queuedBytes = 0;
    return out;
  }

  private header(len: number, type: number, flags: number, streamId: number): void {
    const b = this.reserve(FRAME_HEADER_BYTES);
    const p = this.pos;
    b[p] = len >>> 16;
    b[p + 1] = (len >>> 8) & 0xff;
    b[p + 2] = len & 0xff;
    b[p + 3] = type;
    b[p + 4] = flags;
    b.writeUInt32BE(streamId, p + 5);
    this.pos = p + FRAME_HEADER_BYTES;
    this.queuedBytes += FRAME_HEADER_BYTES + len;
  }

  private payload(src: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n >= COPY_LIMIT) {
      this.seal();
      this.ready.push(start === 0 && end === src.length ? src : src.subarray(start, end));
      return;
    }
    const b = this.reserve(n);
    src.copy(b, this.pos, start, end);
    this.pos += n;
  }

  private raw(src: Buffer, start: number, end: number): void {
    this.payload(src, start, end);
    this.queuedBytes += end - start;
  }

  /** Moves the current region to the ready list. */
  private seal(): void {
    if (this.pos > this.from) {
      this.ready.push(this.chunk.subarray(this.from, this.pos));
      this.from = this.pos;
    }
  }

  /** Room for n more bytes at this.pos, starting a new chunk when the current one is full. */
  private reserve(n: number): Buffer {
    if (this.pos + n > this.chunk.length) {
      this.seal();
      this.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, n));
      this.from = this.pos = 0;
    }
    return this.chunk;
  }
}
