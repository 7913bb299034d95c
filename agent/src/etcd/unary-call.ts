/**
 * One unary gRPC call on the lean HTTP/2 transport (agent/src/h2): it IS the stream's state (extends
 * StreamState), so a call costs one object and one Promise. It collects the response, decides the
 * outcome exactly once (response, gRPC error, transport failure, our deadline) and maps failures to gRPC
 * codes the same way the node:http2 fallback does.
 */
import { ErrorCode, errorCodeName } from '../h2/constants.js';
import type { H2Session } from '../h2/session.js';
import { StreamState } from '../h2/stream-state.js';
import type { StreamAbortKind } from '../h2/stream-state.js';
import { MAX_RESPONSE_BYTES } from './call-common.js';
import type { CallOwner, ResponseDecoder } from './call-common.js';
import { GrpcStatus, decodeGrpcMessage, parseGrpcStatus, statusFromHttpStatus, statusFromRstCode } from './grpc-status.js';
import type { RpcMethod } from './proto.js';
import { unframeMessage } from './wire.js';

const EMPTY = Buffer.alloc(0);

export class UnaryCall extends StreamState {
  private done = false;
  private headersSeen = false;
  private httpStatus = 0;
  private grpcStatus = -1;
  private grpcMessage = '';
  private first: Buffer | null = null;
  private rest: Buffer[] | null = null;
  private bytes = 0;
  resolve: (value: unknown) => void = noop;
  reject: (err: Error) => void = noop;

  constructor(
    private readonly owner: CallOwner,
    private readonly session: H2Session,
    private readonly method: RpcMethod,
    private readonly deadlineMs: number,
    private readonly decode: ResponseDecoder<unknown>,
  ) {
    super();
    this.path = method.path;
    this.headerKey = deadlineMs; // RequestHeaders turns it into grpc-timeout
  }

  onHeader(name: string, value: string): void {
    // Response headers and trailers alike; a trailers-only response carries grpc-status in its headers.
    if (name === ':status') this.httpStatus = Number(value);
    else if (name === 'grpc-status') {
      const status = parseGrpcStatus(value);
      if (status !== undefined) this.grpcStatus = status;
    } else if (name === 'grpc-message') this.grpcMessage = decodeGrpcMessage(latin1ToUtf8(value));
  }

  onHeaders(endStream: boolean): void {
    this.headersSeen = true;
    if (endStream) this.complete();
  }

  onData(buf: Buffer, start: number, end: number, endStream: boolean): void {
    if (this.done) return;
    const n = end - start;
    this.bytes += n;
    if (this.bytes > MAX_RESPONSE_BYTES) {
      this.fail(GrpcStatus.RESOURCE_EXHAUSTED, `response larger than ${MAX_RESPONSE_BYTES} bytes`);
      this.session.reset(this, ErrorCode.CANCEL);
      return;
    }
    if (n > 0) {
      // The read buffer is reused: keep a copy.
      const copy = Buffer.allocUnsafe(n);
      buf.copy(copy, 0, start, end);
      if (this.first === null) this.first = copy;
      else (this.rest ??= []).push(copy);
    }
    if (endStream) this.complete();
  }

  onAbort(kind: StreamAbortKind, code: number, error: Error | undefined): void {
    if (this.done) return;
    if (this.owner.closed) {
      this.fail(GrpcStatus.CANCELLED, 'the etcd client was closed while the call was in flight', error);
    } else if (kind === 'reset') {
      this.fail(statusFromRstCode(code), `stream reset by the server with HTTP/2 error code ${errorCodeName(code)}`);
    } else if (kind === 'refused') {
      this.fail(GrpcStatus.UNAVAILABLE, `${error?.message ?? 'stream refused'}; the request was not processed`, error);
    } else {
      this.fail(GrpcStatus.UNAVAILABLE, error?.message ?? 'connection lost', error);
    }
  }

  onDeadline(): void {
    if (this.done) return;
    this.fail(GrpcStatus.DEADLINE_EXCEEDED, `deadline of ${this.deadlineMs}ms exceeded`);
    // Cancel so the server stops work and the stream is freed.
    this.session.reset(this, ErrorCode.CANCEL);
  }

  /** The server ended the stream: decide from what it sent. */
  private complete(): void {
    if (this.done) return;
    if (this.grpcStatus >= 0) {
      if (this.grpcStatus !== GrpcStatus.OK) this.fail(this.grpcStatus, this.grpcMessage);
      else if (this.httpStatus !== 200) this.fail(statusFromHttpStatus(this.httpStatus), `HTTP status ${this.httpStatus}`);
      else this.succeed();
    } else if (this.httpStatus !== 0 && this.httpStatus !== 200) {
      this.fail(statusFromHttpStatus(this.httpStatus), `HTTP status ${this.httpStatus} without grpc-status`);
    } else if (this.headersSeen) {
      this.fail(GrpcStatus.INTERNAL, 'response ended without grpc-status');
    } else {
      this.fail(GrpcStatus.UNAVAILABLE, 'stream closed before the server responded');
    }
  }

  private fail(code: number, message: string, cause?: unknown): void {
    this.done = true;
    this.reject(this.owner.error(code, message, this.method, cause));
  }

  private succeed(): void {
    const body = this.rest === null ? (this.first ?? EMPTY) : Buffer.concat([this.first!, ...this.rest], this.bytes);
    let value: unknown;
    try {
      value = this.decode(unframeMessage(body));
    } catch (err) {
      this.fail(GrpcStatus.INTERNAL, `malformed response: ${(err as Error).message}`, err);
      return;
    }
    this.done = true;
    this.resolve(value);
  }
}

function noop(): void {}

/** Header values arrive as latin1 (one char per octet); a raw UTF-8 grpc-message is re-read as UTF-8. */
function latin1ToUtf8(value: string): string {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return Buffer.from(value, 'latin1').toString('utf8');
  return value;
}
