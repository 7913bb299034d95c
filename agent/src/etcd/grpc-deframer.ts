/**
 * Splits a gRPC response body (length-prefixed messages, gRPC over HTTP/2 spec) into messages, whatever
 * the DATA frame boundaries. A message inside one chunk is handed over as a view (valid during the call
 * only, as the chunk may be the connection's reused read buffer); one spread over chunks is reassembled.
 */
import { GRPC_FRAME_HEADER_BYTES, ProtoDecodeError } from './wire.js';

export interface MessageSink {
  onMessage(msg: Buffer): void;
}

export class MessageDeframer {
  /** Bytes of a message (prefix included) cut by a chunk boundary. */
  private partial: Buffer | null = null;
  private partialLen = 0;
  /** Total length (prefix + message) of the partial message, once its prefix is complete; else 0. */
  private partialNeed = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** True when a message has started but not ended (the stream must not end here). */
  get midMessage(): boolean {
    return this.partialLen > 0;
  }

  push(buf: Buffer, start: number, end: number, sink: MessageSink): void {
    let pos = start;
    if (this.partialLen > 0) {
      pos = this.fill(buf, pos, end, sink);
      if (this.partialLen > 0) return;
    }
    while (end - pos >= GRPC_FRAME_HEADER_BYTES) {
      const total = this.checkPrefix(buf, pos);
      if (end - pos < total) break;
      sink.onMessage(buf.subarray(pos + GRPC_FRAME_HEADER_BYTES, pos + total));
      pos += total;
    }
    if (pos < end) {
      const n = end - pos;
      this.partialNeed = n >= GRPC_FRAME_HEADER_BYTES ? this.checkPrefix(buf, pos) : 0;
      this.partial = Buffer.allocUnsafe(Math.max(this.partialNeed, 64));
      buf.copy(this.partial, 0, pos, end);
      this.partialLen = n;
    }
  }

  /** Length of prefix + message starting at buf[pos], after checking the prefix. */
  private checkPrefix(buf: Buffer, pos: number): number {
    const flag = buf[pos]!;
    if (flag !== 0) throw new ProtoDecodeError(`gRPC message compressed flag is ${flag}; compression was not negotiated`);
    const len = buf.readUInt32BE(pos + 1);
    if (len > this.maxMessageBytes) throw new ProtoDecodeError(`gRPC message of ${len} bytes is larger than ${this.maxMessageBytes}`);
    return GRPC_FRAME_HEADER_BYTES + len;
  }

  private fill(buf: Buffer, pos: number, end: number, sink: MessageSink): number {
    if (this.partialNeed === 0) {
      const n = Math.min(GRPC_FRAME_HEADER_BYTES - this.partialLen, end - pos);
      buf.copy(this.partial!, this.partialLen, pos, pos + n);
      this.partialLen += n;
      pos += n;
      if (this.partialLen < GRPC_FRAME_HEADER_BYTES) return pos;
      this.partialNeed = this.checkPrefix(this.partial!, 0);
      if (this.partial!.length < this.partialNeed) {
        const bigger = Buffer.allocUnsafe(this.partialNeed);
        this.partial!.copy(bigger, 0, 0, this.partialLen);
        this.partial = bigger;
      }
    }
    const n = Math.min(this.partialNeed - this.partialLen, end - pos);
    buf.copy(this.partial!, this.partialLen, pos, pos + n);
    this.partialLen += n;
    pos += n;
    if (this.partialLen < this.partialNeed) return pos;
    const msg = this.partial!.subarray(GRPC_FRAME_HEADER_BYTES, this.partialNeed);
    this.partial = null;
    this.partialLen = this.partialNeed = 0;
    sink.onMessage(msg);
    return pos;
  }
}
