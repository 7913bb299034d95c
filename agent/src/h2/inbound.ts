/**
 * Incoming frames: validates each frame's shape (RFC 9113 §6), strips padding and priority fields,
 * reassembles HEADERS + CONTINUATION, runs the HPACK decoder (always, even for streams we already
 * forgot, so the decoder's table stays in step with the server's) and hands the result to the session.
 * Every violation throws H2ProtocolError, which the session answers with GOAWAY.
 */
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode, Flag, FrameType, H2ProtocolError, MAX_FRAME_SIZE_LIMIT, MAX_WINDOW, SettingId } from './constants.js';
import type { FrameHandler } from './frame-reader.js';
import { HpackDecoder } from './hpack/decoder.js';
import { HpackError } from './hpack/huffman.js';
import type { StreamState } from './stream-state.js';

/** What the session does with validated frames. */
export interface InboundTarget {
  stream(id: number): StreamState | undefined;
  /** One setting of a SETTINGS frame, range-checked; onSettingsEnd follows the last one. */
  onSetting(id: number, value: number): void;
  onSettingsEnd(): void;
  onSettingsAck(): void;
  onPing(buf: Buffer, start: number): void;
  onPingAck(buf: Buffer, start: number): void;
  onGoaway(lastStreamId: number, code: number, debug: string): void;
  onWindowUpdate(streamId: number, increment: number): void;
  onRstStream(streamId: number, code: number): void;
  /** `flowLength` counts padding too: all of it is subject to flow control. */
  onData(streamId: number, flowLength: number, buf: Buffer, start: number, end: number, endStream: boolean): void;
  /** A header block was decoded into `stream` (undefined: a stream we no longer track). */
  onHeadersDone(streamId: number, stream: StreamState | undefined, endStream: boolean): void;
}

/** Header blocks above this (across CONTINUATION frames) are refused rather than buffered. */
const MAX_HEADER_BLOCK = 256 * 1024;

const fail = (code: number, message: string): never => {
  throw new H2ProtocolError(code, message);
};

export class Inbound implements FrameHandler {
  private readonly decoder: HpackDecoder;
  private sawSettings = false;
  /** HEADERS without END_HEADERS in progress: stream id (0 = none), END_STREAM flag, bytes so far. */
  private contStream = 0;
  private contEndStream = false;
  private contBuf = Buffer.allocUnsafe(0);
  private contLen = 0;

  constructor(
    private readonly target: InboundTarget,
    headerTableSize: number,
  ) {
    this.decoder = new HpackDecoder(headerTableSize);
  }

  onFrame(type: number, flags: number, streamId: number, buf: Buffer, start: number, end: number): void {
    if (!this.sawSettings) {
      if (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0) fail(ErrorCode.PROTOCOL_ERROR, `server preface must start with SETTINGS, got frame type ${type}`);
      this.sawSettings = true;
    }
    if (this.contStream !== 0 && (type !== FrameType.CONTINUATION || streamId !== this.contStream)) {
      fail(ErrorCode.PROTOCOL_ERROR, `expected CONTINUATION of stream ${this.contStream}, got frame type ${type} on stream ${streamId}`);
    }
    const len = end - start;
    switch (type) {
      case FrameType.DATA: {
        if (streamId === 0) fail(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
        let e = end;
        let s = start;
        if (flags & Flag.PADDED) {
          if (len < 1) fail(ErrorCode.FRAME_SIZE_ERROR, 'padded DATA without pad length');
          e -= buf[s]!;
          s++;
          if (e < s) fail(ErrorCode.PROTOCOL_ERROR, 'DATA padding longer than the frame');
        }
        this.target.onData(streamId, len, buf, s, e, (flags & Flag.END_STREAM) !== 0);
        return;
      }
      case FrameType.HEADERS: {
        if (streamId === 0) fail(ErrorCode.PROTOCOL_ERROR, 'HEADERS on stream 0');
        let s = start;
        let e = end;
        if (flags & Flag.PADDED) {
          if (len < 1) fail(ErrorCode.FRAME_SIZE_ERROR, 'padded HEADERS without pad length');
          e -= buf[s]!;
          s++;
        }
        if (flags & Flag.PRIORITY) s += 5;
        if (e < s) fail(ErrorCode.PROTOCOL_ERROR, 'HEADERS padding/priority longer than the frame');
        const endStream = (flags & Flag.END_STREAM) !== 0;
        if (flags & Flag.END_HEADERS) this.headerBlock(streamId, endStream, buf, s, e);
        else {
          this.contStream = streamId;
          this.contEndStream = endStream;
          this.contLen = 0;
          this.append(buf, s, e);
        }
        return;
      }
      case FrameType.CONTINUATION: {
        if (this.contStream === 0) fail(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION without HEADERS');
        this.append(buf, start, end);
        if (flags & Flag.END_HEADERS) {
          const id = this.contStream;
          this.contStream = 0;
          this.headerBlock(id, this.contEndStream, this.contBuf, 0, this.contLen);
        }
        return;
      }
      case FrameType.RST_STREAM:
        if (streamId === 0) fail(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on stream 0');
        if (len !== 4) fail(ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM payload is not 4 bytes');
        this.target.onRstStream(streamId, buf.readUInt32BE(start));
        return;
      case FrameType.SETTINGS:
        if (streamId !== 0) fail(ErrorCode.PROTOCOL_ERROR, 'SETTINGS on a stream');
        if (flags & Flag.ACK) {
          if (len !== 0) fail(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
          this.target.onSettingsAck();
        } else {
          if (len % 6 !== 0) fail(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS payload is not a multiple of 6 bytes');
          for (let p = start; p < end; p += 6) this.setting(buf.readUInt16BE(p), buf.readUInt32BE(p + 2));
          this.target.onSettingsEnd();
        }
        return;
      case FrameType.PUSH_PROMISE:
        fail(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE although push is disabled');
        return;
      case FrameType.PING:
        if (streamId !== 0) fail(ErrorCode.PROTOCOL_ERROR, 'PING on a stream');
        if (len !== 8) fail(ErrorCode.FRAME_SIZE_ERROR, 'PING payload is not 8 bytes');
        if ((flags & Flag.ACK) === 0) this.target.onPing(buf, start);
        else this.target.onPingAck(buf, start);
        return;
      case FrameType.GOAWAY:
        if (streamId !== 0) fail(ErrorCode.PROTOCOL_ERROR, 'GOAWAY on a stream');
        if (len < 8) fail(ErrorCode.FRAME_SIZE_ERROR, 'GOAWAY shorter than 8 bytes');
        this.target.onGoaway(buf.readUInt32BE(start) & 0x7fffffff, buf.readUInt32BE(start + 4), buf.toString('utf8', start + 8, end));
        return;
      case FrameType.WINDOW_UPDATE:
        if (len !== 4) fail(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE payload is not 4 bytes');
        this.target.onWindowUpdate(streamId, buf.readUInt32BE(start) & 0x7fffffff);
        return;
      case FrameType.PRIORITY:
        if (len !== 5) fail(ErrorCode.FRAME_SIZE_ERROR, 'PRIORITY payload is not 5 bytes');
        return;
      default:
        return; // unknown frame types are ignored (§4.1)
    }
  }

  private setting(id: number, value: number): void {
    if (id === SettingId.INITIAL_WINDOW_SIZE && value > MAX_WINDOW) fail(ErrorCode.FLOW_CONTROL_ERROR, `initial window ${value} too large`);
    if (id === SettingId.MAX_FRAME_SIZE && (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_FRAME_SIZE_LIMIT)) fail(ErrorCode.PROTOCOL_ERROR, `invalid MAX_FRAME_SIZE ${value}`);
    if (id === SettingId.ENABLE_PUSH && value > 1) fail(ErrorCode.PROTOCOL_ERROR, `invalid ENABLE_PUSH ${value}`);
    this.target.onSetting(id, value);
  }

  private headerBlock(streamId: number, endStream: boolean, buf: Buffer, start: number, end: number): void {
    const stream = this.target.stream(streamId);
    try {
      this.decoder.decode(buf, start, end, stream);
    } catch (err) {
      if (err instanceof HpackError) fail(ErrorCode.COMPRESSION_ERROR, `HPACK: ${err.message}`);
      throw err;
    }
    this.target.onHeadersDone(streamId, stream, endStream);
  }

  private append(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.contLen + n > MAX_HEADER_BLOCK) fail(ErrorCode.ENHANCE_YOUR_CALM, `header block larger than ${MAX_HEADER_BLOCK} bytes`);
    if (this.contLen + n > this.contBuf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.contLen + n, this.contBuf.length * 2, 1024));
      this.contBuf.copy(bigger, 0, 0, this.contLen);
      this.contBuf = bigger;
    }
    buf.copy(this.contBuf, this.contLen, start, end);
    this.contLen += n;
  }
}
