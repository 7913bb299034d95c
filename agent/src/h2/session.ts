/**
 * A client HTTP/2 connection (RFC 9113) for gRPC: opens streams with cached HPACK header blocks, sends and
 * receives DATA under flow control in both directions, answers SETTINGS and PING, honours GOAWAY and
 * RST_STREAM, and batches everything queued in one event-loop turn into one socket write.
 *
 * Failure model: any connection-level problem (socket error, protocol violation, the server closing)
 * destroys the session; its streams get onAbort('transport') and the owner is told, so that the NEXT
 * request opens a new session. Nothing is retried here.
 */
import { DEFAULT_HEADER_TABLE_SIZE, DEFAULT_MAX_FRAME_SIZE, ErrorCode, H2ProtocolError, SettingId, errorCodeName } from './constants.js';
import { DeadlineQueue } from './deadlines.js';
import { FrameReader } from './frame-reader.js';
import { HpackEncoder } from './hpack/encoder.js';
import type { HeaderField } from './hpack/encoder.js';
import { RequestHeaders } from './hpack/request-headers.js';
import type { VaryingFields } from './hpack/request-headers.js';
import { Inbound } from './inbound.js';
import type { InboundTarget } from './inbound.js';
import type { FrameWriter } from './frame-writer.js';
import { PingTracker } from './pings.js';
import { RecvFlow, STREAM_WINDOW } from './recv-flow.js';
import { SendFlow } from './send-flow.js';
import { SessionIO } from './socket.js';
import type { SocketEvents, SocketTarget } from './socket.js';
import type { StreamState } from './stream-state.js';
import { StreamTable } from './stream-table.js';

export interface SessionOptions extends SocketTarget {
  /** Request header fields: before :path, after :path, and per-request ones by key. */
  pseudoHeaders: readonly HeaderField[];
  commonHeaders: readonly HeaderField[];
  varyingHeaders?: VaryingFields;
}

/** What a session tells its owner. */
export interface SessionOwner {
  /** The session takes no new streams any more (GOAWAY, stream ids used up, failure): open another. */
  onRetired(session: H2Session): void;
  /** The last stream ended (also after destroy). */
  onIdle(session: H2Session): void;
}

export class H2Session implements InboundTarget, SocketEvents {
  private readonly io: SessionIO;
  private readonly reader = new FrameReader(DEFAULT_MAX_FRAME_SIZE);
  readonly writer: FrameWriter;
  private readonly inbound: Inbound;
  private readonly encoder = new HpackEncoder(DEFAULT_HEADER_TABLE_SIZE);
  private readonly headers: RequestHeaders;
  private readonly deadlines = new DeadlineQueue();
  private readonly streams = new StreamTable();
  private readonly flow: SendFlow;
  private readonly recv: RecvFlow;
  private readonly pings = new PingTracker();
  peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  private peerMaxConcurrent = Infinity;
  private retired = false;
  private isDestroyed = false;
  /** Set once the socket is up (TCP connected, TLS done). */
  private ready = false;
  /** The error that destroyed the session, if any. */
  error: Error | undefined;
  /** The server's GOAWAY, once received (diagnostics). */
  goaway: { lastStreamId: number; code: number; debug: string } | undefined;

  constructor(
    opts: SessionOptions,
    private readonly owner: SessionOwner,
  ) {
    this.io = new SessionIO(opts, this);
    this.writer = this.io.writer;
    this.inbound = new Inbound(this, DEFAULT_HEADER_TABLE_SIZE);
    this.headers = new RequestHeaders(this.encoder, opts.pseudoHeaders, opts.commonHeaders, opts.varyingHeaders);
    this.flow = new SendFlow(this);
    this.recv = new RecvFlow(this.writer);
    this.recv.announce(); // queued before the socket even connects
    this.scheduleFlush();
  }

  /** Streams open or waiting for a slot. */
  get activeStreams(): number {
    return this.streams.total;
  }

  /** True while new streams may be opened. */
  get usable(): boolean {
    return !this.retired && !this.isDestroyed;
  }

  get destroyed(): boolean {
    return this.isDestroyed;
  }

  /**
   * Starts a request: HEADERS for stream.path / stream.headerKey, then `body` (may be null) and, when
   * `endStream`, END_STREAM. `timeoutMs` > 0 arms stream.onDeadline. Returns false (and does nothing)
   * when the session is retired or destroyed.
   */
  open(stream: StreamState, body: Buffer | null, endStream: boolean, timeoutMs: number): boolean {
    if (!this.usable) return false;
    stream.out = body;
    stream.outPos = 0;
    stream.endAfterOut = endStream;
    if (timeoutMs > 0) this.deadlines.add(stream, timeoutMs, performance.now());
    this.io.setRef(true);
    if (this.streams.hasSlot) this.start(stream);
    else this.streams.wait(stream);
    return true;
  }

  /** Queues more request data on a stream (streaming calls); END_STREAM after it when `endStream`. */
  send(stream: StreamState, data: Buffer, endStream: boolean): void {
    if (stream.localEnded || stream.endAfterOut) return;
    if (stream.out === null) {
      stream.out = data;
      stream.outPos = 0;
    } else (stream.outMore ??= []).push(data);
    stream.endAfterOut = endStream;
    if (!stream.blocked && this.streams.has(stream)) {
      this.flow.pump(stream);
      this.scheduleFlush();
    }
  }

  /** Ends a stream from our side with RST_STREAM(code) (if it was opened); it gets no more callbacks. */
  reset(stream: StreamState, code: number): void {
    if (stream.id !== 0 && this.streams.has(stream)) {
      this.writer.rstStream(stream.id, code);
      this.scheduleFlush();
    }
    this.remove(stream);
  }

  /** Sends a PING; resolves with the round-trip time in ms, rejects if the session dies first. */
  ping(): Promise<number> {
    if (this.isDestroyed) return Promise.reject(this.error ?? new Error('HTTP/2 session closed'));
    const p = this.pings.send(this.writer);
    this.scheduleFlush();
    return p;
  }

  /**
   * Ends the session on purpose: RST_STREAM(CANCEL) for every open stream and GOAWAY(NO_ERROR), written
   * out at once so that a server that reads them later (even one that was paused) drops the requests
   * rather than running them; then destroy(). Streams get onAbort('transport').
   */
  close(): void {
    if (this.isDestroyed) return;
    for (const s of this.streams.openStreams()) this.writer.rstStream(s.id, ErrorCode.CANCEL);
    this.writer.goaway(0, ErrorCode.NO_ERROR, '');
    this.io.flush();
    this.destroy();
  }

  /** Tears the session down now; its streams get onAbort('transport', error). */
  destroy(error?: Error): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    this.error ??= error;
    this.deadlines.clear();
    this.io.destroy();
    const reason = this.error ?? new Error('HTTP/2 session closed');
    const open = this.streams.clear();
    this.retire();
    this.pings.failAll(reason);
    for (const s of open) s.onAbort('transport', 0, reason);
    this.owner.onIdle(this);
  }

  // ---- SocketEvents -------------------------------------------------------------------------------------

  onBytes(buf: Buffer, n: number): void {
    if (this.isDestroyed) return;
    try {
      this.reader.push(buf, 0, n, this.inbound);
    } catch (err) {
      if (!(err instanceof H2ProtocolError)) throw err;
      this.writer.goaway(0, err.code, err.message); // 0: we accepted no server-initiated streams
      this.io.flush();
      this.destroy(new Error(`HTTP/2 protocol error (${errorCodeName(err.code)}): ${err.message}`));
    }
  }

  onReady(): void {
    this.ready = true;
  }

  onError(err: Error): void {
    this.destroy(err);
  }

  onClosed(): void {
    this.destroy(new Error(this.ready ? 'connection closed by the server' : 'connection closed before it was established'));
  }

  // ---- InboundTarget ------------------------------------------------------------------------------------

  stream(id: number): StreamState | undefined {
    return this.streams.get(id);
  }

  onSetting(id: number, value: number): void {
    if (id === SettingId.HEADER_TABLE_SIZE) this.encoder.setPeerMaxTableSize(value);
    else if (id === SettingId.MAX_CONCURRENT_STREAMS) this.peerMaxConcurrent = value;
    else if (id === SettingId.INITIAL_WINDOW_SIZE) this.flow.setPeerInitialWindow(value, this.streams.openStreams());
    else if (id === SettingId.MAX_FRAME_SIZE) this.peerMaxFrameSize = value;
    // ENABLE_PUSH, MAX_HEADER_LIST_SIZE and unknown settings need nothing from a client.
  }

  onSettingsEnd(): void {
    // Requests wait for the server's first SETTINGS: a request sent to a server that accepted the TCP
    // connection but never answered (hung, SIGSTOP) could still run after we gave up on it.
    this.streams.maxConcurrent = this.peerMaxConcurrent;
    this.writer.settings([], true);
    this.startWaiting();
    this.flow.resume();
    this.scheduleFlush();
  }

  onSettingsAck(): void {}

  onPing(buf: Buffer, start: number): void {
    this.writer.ping(buf, start, true);
    this.scheduleFlush();
  }

  onPingAck(buf: Buffer, start: number): void {
    this.pings.onAck(buf, start);
  }

  onGoaway(lastStreamId: number, code: number, debug: string): void {
    this.goaway = { lastStreamId, code, debug };
    this.retire();
    const why = `server sent GOAWAY (${errorCodeName(code)}${debug ? `: ${debug}` : ''})`;
    if (code !== ErrorCode.NO_ERROR) this.error ??= new Error(why);
    // Streams above lastStreamId were never processed: refused, safe to report as such.
    for (const s of this.streams.refuseAbove(lastStreamId)) {
      this.deadlines.remove(s);
      s.onAbort('refused', code, new Error(why));
    }
    this.afterStreamGone();
  }

  onWindowUpdate(streamId: number, increment: number): void {
    if (streamId === 0) this.flow.connectionUpdate(increment);
    else {
      const s = this.streams.get(streamId);
      if (s !== undefined && this.flow.streamUpdate(s, increment)) this.failStream(s, ErrorCode.FLOW_CONTROL_ERROR);
    }
    this.scheduleFlush();
  }

  onRstStream(streamId: number, code: number): void {
    const s = this.streams.get(streamId);
    if (s === undefined) return;
    this.remove(s);
    s.onAbort('reset', code, undefined);
  }

  onData(streamId: number, flowLength: number, buf: Buffer, start: number, end: number, endStream: boolean): void {
    // A stream we reset or that already ended: its bytes only count for the connection.
    let s = this.streams.get(streamId);
    if (s !== undefined && s.remoteEnded) s = undefined;
    const overrun = this.recv.onData(s, flowLength, endStream);
    if (this.writer.length > 0) this.scheduleFlush();
    if (s === undefined) return;
    if (overrun) this.failStream(s, ErrorCode.FLOW_CONTROL_ERROR);
    else {
      if (endStream) this.remoteEnd(s);
      s.onData(buf, start, end, endStream);
      if (endStream) this.afterRemoteEnd(s);
    }
  }

  onHeadersDone(_streamId: number, s: StreamState | undefined, endStream: boolean): void {
    if (s === undefined || s.remoteEnded) return;
    if (endStream) this.remoteEnd(s);
    s.onHeaders(endStream);
    if (endStream) this.afterRemoteEnd(s);
  }

  // ---- internals ----------------------------------------------------------------------------------------

  /** Makes sure queued frames go out this event-loop turn (one write per session per turn). */
  scheduleFlush(): void {
    this.io.scheduleFlush();
  }

  private start(stream: StreamState): void {
    this.streams.assign(stream);
    if (this.streams.idsExhausted) this.retire(); // the owner opens a fresh session for later requests
    stream.recvWindow = STREAM_WINDOW;
    this.flow.initStream(stream);
    const noBody = stream.out === null && stream.endAfterOut;
    this.writer.headers(stream.id, this.headers.block(stream.path, stream.headerKey), noBody, this.peerMaxFrameSize);
    if (noBody) stream.localEnded = true;
    else this.flow.pump(stream);
    this.scheduleFlush();
  }

  /** Opens waiting streams while the server's concurrency limit allows. */
  private startWaiting(): void {
    for (let s = this.streams.nextReady(); s !== undefined && !this.isDestroyed; s = this.streams.nextReady()) this.start(s);
  }

  private remoteEnd(s: StreamState): void {
    s.remoteEnded = true;
    this.deadlines.remove(s);
  }

  /** After the server ended a stream: done if we ended too; else our side is pointless now (gRPC). */
  private afterRemoteEnd(s: StreamState): void {
    if (!this.streams.has(s)) return; // the handler reset it already
    if (!s.localEnded) {
      this.writer.rstStream(s.id, ErrorCode.NO_ERROR);
      this.scheduleFlush();
    }
    this.remove(s);
  }

  private failStream(s: StreamState, code: number): void {
    this.writer.rstStream(s.id, code);
    this.scheduleFlush();
    this.remove(s);
    s.onAbort('reset', code, new Error(`stream failed with ${errorCodeName(code)}`));
  }

  private remove(s: StreamState): void {
    this.deadlines.remove(s);
    if (!this.streams.remove(s)) return;
    s.out = null;
    s.outMore = null;
    this.afterStreamGone();
  }

  private afterStreamGone(): void {
    this.startWaiting();
    if (this.streams.total > 0) return;
    this.io.setRef(false);
    if (this.retired && !this.isDestroyed) this.destroy(); // drained after GOAWAY or id exhaustion
    else this.owner.onIdle(this);
  }

  private retire(): void {
    if (this.retired) return;
    this.retired = true;
    this.owner.onRetired(this);
  }
}
