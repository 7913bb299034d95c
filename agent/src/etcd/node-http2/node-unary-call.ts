/**
 * One unary gRPC call on a node:http2 stream (the fallback transport): collects the response, decides its outcome exactly once
 * (response, gRPC error, transport failure or our deadline) and keeps the session's in-flight count.
 *
 * Hot path: the per-call state is one UnaryCall object; the stream listeners are module-level functions
 * that find it through a symbol on the stream, so a call costs no closures besides its Promise executor.
 */
import { constants as h2 } from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import type { Duplex } from 'node:stream';
import { MAX_RESPONSE_BYTES } from '../call-common.js';
import type { CallOwner, ResponseDecoder } from '../call-common.js';
import { GrpcStatus, decodeGrpcMessage, parseGrpcStatus, statusFromHttpStatus, statusFromRstCode } from '../grpc-status.js';
import type { RpcMethod } from '../proto.js';
import { unframeMessage } from '../wire.js';

const kCall = Symbol('etcdlab.unaryCall');

/** A session plus its in-flight count (decides whether it may keep the process alive) and its socket. */
export class SessionSlot {
  inflight = 0;
  socket: Duplex | undefined = undefined;
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
    readonly conn: CallOwner,
    readonly slot: SessionSlot,
    readonly method: RpcMethod,
    readonly deadlineMs: number,
    readonly decode: ResponseDecoder<unknown>,
    readonly resolve: (value: unknown) => void,
    readonly reject: (err: Error) => void,
  ) {}
}

type CallStream = ClientHttp2Stream & { [kCall]?: UnaryCall };

/**
 * Wires a freshly requested stream to a new call, arms the deadline and sends the request frame. The
 * session is ref'd while it has calls in flight so an awaited call keeps the process alive, and only then.
 */
export function startCall<T>(
  owner: CallOwner,
  slot: SessionSlot,
  stream: ClientHttp2Stream,
  frame: Buffer,
  method: RpcMethod,
  deadlineMs: number,
  decode: ResponseDecoder<T>,
  resolve: (value: T) => void,
  reject: (err: Error) => void,
): void {
  const call = new UnaryCall(owner, slot, method, deadlineMs, decode, resolve as (v: unknown) => void, reject);
  (stream as CallStream)[kCall] = call;
  stream.on('response', onResponse);
  stream.on('data', onData);
  stream.on('trailers', onTrailers);
  stream.on('error', onStreamError);
  stream.on('close', onStreamClose);
  call.timer = setTimeout(onDeadline, deadlineMs, call, stream);
  call.timer.unref();
  if (slot.inflight++ === 0) slot.session.ref();
  stream.end(frame);
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
  } else if (call.conn.closed) {
    fail(call, GrpcStatus.CANCELLED, 'the etcd client was closed while the call was in flight', call.error);
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
