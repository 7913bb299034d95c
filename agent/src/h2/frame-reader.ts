/**
 * Splits a byte stream into HTTP/2 frames, whatever the chunk boundaries. Complete frames inside a chunk
 * are handed over as views into it (no copy); only a frame cut by a chunk boundary is copied into a
 * pending buffer. Views are valid during the callback only: the caller's read buffer may be reused.
 */
import { ErrorCode, FRAME_HEADER_BYTES, H2ProtocolError } from './constants.js';

export interface FrameHandler {
  /** One frame; payload is buf[start, end). */
  onFrame(type: number, flags: number, streamId: number, buf: Buffer, start: number, end: number): void;
}

export class FrameReader {
  /** Bytes of a frame cut by a chunk boundary. */
  private pending: Buffer;
  private pendingLen = 0;

  /** `maxFrameSize` is our SETTINGS_MAX_FRAME_SIZE: a larger frame is a FRAME_SIZE_ERROR. */
  constructor(private readonly maxFrameSize: number) {
    this.pending = Buffer.allocUnsafe(Math.min(FRAME_HEADER_BYTES + maxFrameSize, 64 * 1024));
  }

  /** Feeds chunk[start, end) and calls the handler for every frame it completes. */
  push(chunk: Buffer, start: number, end: number, handler: FrameHandler): void {
    let pos = start;
    if (this.pendingLen > 0) {
      pos = this.fillPending(chunk, pos, end, handler);
      if (this.pendingLen > 0) return; // still incomplete: the chunk was used up
    }
    while (end - pos >= FRAME_HEADER_BYTES) {
      const len = (chunk[pos]! << 16) | (chunk[pos + 1]! << 8) | chunk[pos + 2]!;
      if (len > this.maxFrameSize) throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${len} bytes exceeds our maximum of ${this.maxFrameSize}`);
      const total = FRAME_HEADER_BYTES + len;
      if (end - pos < total) break;
      handler.onFrame(chunk[pos + 3]!, chunk[pos + 4]!, chunk.readUInt32BE(pos + 5) & 0x7fffffff, chunk, pos + FRAME_HEADER_BYTES, pos + total);
      pos += total;
    }
    if (pos < end) this.keep(chunk, pos, end);
  }

  /** True when a partial frame is waiting for more bytes. */
  get hasPartial(): boolean {
    return this.pendingLen > 0;
  }

  private keep(chunk: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    chunk.copy(this.pending, 0, start, end);
    this.pendingLen = end - start;
  }

  /** Completes the pending frame from chunk; returns where the chunk's unread part starts. */
  private fillPending(chunk: Buffer, pos: number, end: number, handler: FrameHandler): number {
    // First complete the 9-byte header so the frame's length is known.
    if (this.pendingLen < FRAME_HEADER_BYTES) {
      const n = Math.min(FRAME_HEADER_BYTES - this.pendingLen, end - pos);
      chunk.copy(this.pending, this.pendingLen, pos, pos + n);
      this.pendingLen += n;
      pos += n;
      if (this.pendingLen < FRAME_HEADER_BYTES) return pos;
    }
    const p = this.pending;
    const len = (p[0]! << 16) | (p[1]! << 8) | p[2]!;
    if (len > this.maxFrameSize) throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${len} bytes exceeds our maximum of ${this.maxFrameSize}`);
    const total = FRAME_HEADER_BYTES + len;
    this.ensure(total);
    const n = Math.min(total - this.pendingLen, end - pos);
    chunk.copy(this.pending, this.pendingLen, pos, pos + n);
    this.pendingLen += n;
    pos += n;
    if (this.pendingLen < total) return pos;
    this.pendingLen = 0;
    const q = this.pending;
    handler.onFrame(q[3]!, q[4]!, q.readUInt32BE(5) & 0x7fffffff, q, FRAME_HEADER_BYTES, total);
    return pos;
  }

  /** Grows the pending buffer, keeping what it holds. */
  private ensure(n: number): void {
    if (n <= this.pending.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(n, this.pending.length * 2));
    this.pending.copy(bigger, 0, 0, this.pendingLen);
    this.pending = bigger;
  }
}
