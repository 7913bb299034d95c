/**
 * One HTTP/2 session to one etcd endpoint, carrying unary gRPC calls.
 *
 * The session is opened lazily and, once it fails (error, GOAWAY, close), dropped so that the NEXT call
 * opens a new one. The failed call itself is never retried: a load test must count every failed write and
 * must never apply one twice behind the caller's back.
 *
 * Hot path: the per-call state is one UnaryCall object; stream listeners are module-level functions that
 * find it through a symbol on the stream (no closures per call besides the Promise executor), request
 * headers are cached per (path, deadline), and timers are unref'd. The session is ref'd only while calls
 * are in flight, so an idle client never keeps the process alive.
 */
import http2, { constants as h2 } from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { connectSocket, parseEndpoint } from './endpoint.js';
import type { EtcdTlsOptions, ParsedEndpoint } from './endpoint.js';
import { EtcdRequestError, GrpcStatus, decodeGrpcMessage, parseGrpcStatus, statusFromHttpStatus, statusFromRstCode } from './grpc-status.js';
import type { RpcMethod } from './proto.js';
import { unframeMessage } from './wire.js';

/** Turns the unframed response message into the call's result; a throw becomes an INTERNAL error. */
export type ResponseDecoder<T> = (msg: Buffer) => T;

/** Responses above this are refused (RESOURCE_EXHAUSTED) rather than buffered without bound. */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
/** How long close() lets in-flight calls finish before destroying the session. */
const CLOSE_GRACE_MS = 2000;

const REQUEST_OPTIONS = { endStream: false } as const;
const kCall = Symbol('etcdlab.unaryCall');

// Request headers per path and deadline. Node copies the object in request(), so sharing is safe; the
// deadline set of a load test is small, and the bound below keeps a caller with random deadlines in check.
const headerCache = new Map<string, Map<number, OutgoingHttpHeaders>>();
const HEADER_CACHE_PER_PATH = 256;

/** grpc-timeout value: at most 8 digits, so long deadlines switch from milliseconds to seconds. */
export function grpcTimeout(deadlineMs: number): string {
  const ms = Math.ceil(deadlineMs);
  return ms <= 99_999_999 ? `${ms}m` : `${Math.min(Math.ceil(ms / 1000), 99_999_999)}S`;
}

function requestHeaders(path: string, deadlineMs: number): OutgoingHttpHeaders {
  let byDeadline = headerCache.get(path);
  if (byDeadline === undefined) headerCache.set(path, (byDeadline = new Map()));
  let headers = byDeadline.get(deadlineMs);
  if (headers === undefined) {
    if (byDeadline.size >= HEADER_CACHE_PER_PATH) byDeadline.clear();
    headers = {
      [h2.HTTP2_HEADER_METHOD]: 'POST',
      [h2.HTTP2_HEADER_PATH]: path,
      [h2.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      [h2.HTTP2_HEADER_TE]: 'trailers',
      'grpc-timeout': grpcTimeout(deadlineMs),
      [h2.HTTP2_HEADER_USER_AGENT]: 'etcdlab-grpc/0.1',
    };
    byDeadline.set(deadlineMs, headers);
  }
  return headers;
}

/** A session plus its in-flight count, which decides whether it may keep the process alive. */
class SessionSlot {
  inflight = 0;
  constructor(readonly session: ClientHttp2Session) {}
}

/** State of one unary call, reached from stream events through the kCall symbol. */
class UnaryCall {
  done = false;
  headersSeen = false;
  httpStatus = 0;
  grpcStatus = -1;
  grpcMessage = '';
  first: Buffer | undefined = undefined;
  rest: Buffer[] | undefined = undefined;
  bytes = 0;
  error: Error | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  constructor(
    readonly conn: Connection,
    readonly slot: SessionSlot,
    readonly method: RpcMethod,
    readonly deadlineMs: number,
    readonly decode: ResponseDecoder<unknown>,
    readonly resolve: (value: unknown) => void,
    readonly reject: (err: Error) => void,
  ) {}
}

type CallStream = ClientHttp2Stream & { [kCall]?: UnaryCall };

export class Connection {
  readonly endpoint: string;
  /** Sessions opened so far (a new one after each failure); for diagnostics and tests. */
  sessionsOpened = 0;
  private readonly target: ParsedEndpoint;
  private slot: SessionSlot | undefined;
  private readonly live = new Set<ClientHttp2Session>();
  private closed = false;

  constructor(
    endpoint: string,
    private readonly tlsOptions?: EtcdTlsOptions,
  ) {
    this.target = parseEndpoint(endpoint);
    this.endpoint = this.target.origin;
  }

  /**
   * Sends one unary call with an explicit deadline (ms). Resolves with decode(response message); rejects
   * with EtcdRequestError. `frame` is a complete gRPC frame (see encodeFrame).
   */
  unary<T>(method: RpcMethod, frame: Buffer, deadlineMs: number, decode: ResponseDecoder<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.error(GrpcStatus.CANCELLED, 'the etcd client is closed', method));
    if (!(deadlineMs > 0) || !Number.isFinite(deadlineMs)) {
      return Promise.reject(new RangeError(`deadlineMs must be a positive finite number of milliseconds, got ${deadlineMs}`));
    }
    const slot = this.slot ?? (this.slot = this.open());
    let stream: CallStream;
    try {
      stream = slot.session.request(requestHeaders(method.path, deadlineMs), REQUEST_OPTIONS);
    } catch (err) {
      // The session died under us (destroyed, GOAWAY, out of stream ids): next call gets a new one.
      this.discard(slot);
      return Promise.reject(this.error(GrpcStatus.UNAVAILABLE, `cannot start a stream: ${(err as Error).message}`, method, err));
    }
    return new Promise<T>((resolve, reject) => {
      const call = new UnaryCall(this, slot, method, deadlineMs, decode, resolve as (v: unknown) => void, reject);
      stream[kCall] = call;
      stream.on('response', onResponse);
      stream.on('data', onData);
      stream.on('trailers', onTrailers);
      stream.on('error', onStreamError);
      stream.on('close', onStreamClose);
      call.timer = setTimeout(onDeadline, deadlineMs, call, stream);
      call.timer.unref();
      if (slot.inflight++ === 0) slot.session.ref();
      stream.end(frame);
    });
  }

  /** Closes the session: in-flight calls get CLOSE_GRACE_MS to finish, then the session is destroyed. */
  async close(): Promise<void> {
    this.closed = true;
    this.slot = undefined;
    await Promise.all([...this.live].map(closeSession));
  }

  /** @internal */
  error(code: number, message: string, method: RpcMethod, cause?: unknown): EtcdRequestError {
    return new EtcdRequestError(code, message, { method: method.name, endpoint: this.endpoint, cause });
  }

  private open(): SessionSlot {
    const target = this.target;
    const tlsOptions = this.tlsOptions;
    const session = http2.connect(target.origin, {
      createConnection: () => connectSocket(target, tlsOptions),
      settings: { enablePush: false, initialWindowSize: 1024 * 1024 },
      maxSessionMemory: 64,
      peerMaxConcurrentStreams: 1000,
    });
    this.sessionsOpened++;
    const slot = new SessionSlot(session);
    this.live.add(session);
    // Per-session (not per-call) listeners: any failure retires the session for future calls.
    session.on('connect', () => session.setLocalWindowSize(16 * 1024 * 1024));
    session.on('error', () => this.discard(slot)); // calls see the error through their streams
    session.on('goaway', () => this.discard(slot));
    session.on('close', () => {
      this.discard(slot);
      this.live.delete(session);
    });
    return slot;
  }

  private discard(slot: SessionSlot): void {
    if (this.slot === slot) this.slot = undefined;
  }
}

function closeSession(session: ClientHttp2Session): Promise<void> {
  if (session.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    // Ref'd while closing so `await client.close()` completes; the grace timer bounds it.
    session.ref();
    const timer = setTimeout(() => session.destroy(), CLOSE_GRACE_MS);
    session.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (!session.closed) session.close();
  });
}

// ---- stream listeners (this = the stream) ----------------------------------------------------------------

function onResponse(this: CallStream, headers: IncomingHttpHeaders): void {
  const call = this[kCall];
  if (call === undefined) return;
  call.headersSeen = true;
  call.httpStatus = Number(headers[h2.HTTP2_HEADER_STATUS]);
  // A trailers-only response (typical for errors) carries the status in the headers.
  const status = parseGrpcStatus(headers['grpc-status']);
  if (status !== undefined) {
    call.grpcStatus = status;
    call.grpcMessage = decodeGrpcMessage(headers['grpc-message']);
  }
}

function onData(this: CallStream, chunk: Buffer): void {
  const call = this[kCall];
  if (call === undefined || call.done) return;
  call.bytes += chunk.length;
  if (call.bytes > MAX_RESPONSE_BYTES) {
    fail(call, GrpcStatus.RESOURCE_EXHAUSTED, `response larger than ${MAX_RESPONSE_BYTES} bytes`);
    this.close(h2.NGHTTP2_CANCEL);
    return;
  }
  if (call.first === undefined) call.first = chunk;
  else if (call.rest === undefined) call.rest = [chunk];
  else call.rest.push(chunk);
}

function onTrailers(this: CallStream, trailers: IncomingHttpHeaders): void {
  const call = this[kCall];
  if (call === undefined) return;
  const status = parseGrpcStatus(trailers['grpc-status']);
  if (status !== undefined) {
    call.grpcStatus = status;
    call.grpcMessage = decodeGrpcMessage(trailers['grpc-message']);
  }
}

function onStreamError(this: CallStream, err: Error): void {
  const call = this[kCall];
  if (call !== undefined) call.error ??= err;
}

function onStreamClose(this: CallStream): void {
  const call = this[kCall];
  if (call === undefined || call.done) return;
  if (call.grpcStatus >= 0) {
    if (call.grpcStatus !== GrpcStatus.OK) fail(call, call.grpcStatus, call.grpcMessage);
    else if (call.httpStatus !== 200) fail(call, statusFromHttpStatus(call.httpStatus), `HTTP status ${call.httpStatus}`);
    else succeed(call);
  } else if (call.httpStatus !== 0 && call.httpStatus !== 200) {
    fail(call, statusFromHttpStatus(call.httpStatus), `HTTP status ${call.httpStatus} without grpc-status`);
  } else if (call.error !== undefined) {
    const err = call.error as Error & { code?: string };
    // A reset the server chose maps per gRPC; anything else (refused, reset, TLS, session gone) is transport.
    const code = err.code === 'ERR_HTTP2_STREAM_ERROR' ? statusFromRstCode(this.rstCode ?? 0) : GrpcStatus.UNAVAILABLE;
    fail(call, code, err.message, err);
  } else if (this.rstCode !== undefined && this.rstCode !== h2.NGHTTP2_NO_ERROR) {
    fail(call, statusFromRstCode(this.rstCode), `stream reset with HTTP/2 error code ${this.rstCode}`);
  } else if (call.headersSeen) {
    fail(call, GrpcStatus.INTERNAL, 'response ended without grpc-status');
  } else {
    fail(call, GrpcStatus.UNAVAILABLE, 'stream closed before the server responded');
  }
}

function onDeadline(call: UnaryCall, stream: ClientHttp2Stream): void {
  if (call.done) return;
  fail(call, GrpcStatus.DEADLINE_EXCEEDED, `deadline of ${call.deadlineMs}ms exceeded`);
  // Cancel so the server stops work and the stream id is freed; the later 'close' finds call.done.
  if (!stream.destroyed) stream.close(h2.NGHTTP2_CANCEL);
}

// ---- completion -------------------------------------------------------------------------------------------

function finish(call: UnaryCall): void {
  call.done = true;
  if (call.timer !== undefined) clearTimeout(call.timer);
  const slot = call.slot;
  if (--slot.inflight === 0 && !slot.session.destroyed) slot.session.unref();
}

function fail(call: UnaryCall, code: number, message: string, cause?: unknown): void {
  finish(call);
  call.reject(call.conn.error(code, message, call.method, cause));
}

function succeed(call: UnaryCall): void {
  const body = call.rest === undefined ? call.first : Buffer.concat([call.first!, ...call.rest], call.bytes);
  let value: unknown;
  try {
    value = call.decode(unframeMessage(body ?? Buffer.alloc(0)));
  } catch (err) {
    fail(call, GrpcStatus.INTERNAL, `malformed response: ${(err as Error).message}`, err);
    return;
  }
  finish(call);
  call.resolve(value);
}
