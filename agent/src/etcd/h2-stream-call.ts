/**
 * A streaming gRPC call (client, server or bidirectional streaming: Watch, LeaseKeepAlive) on the lean
 * HTTP/2 transport. Requests go out with send(frame); responses arrive one message at a time at the
 * handler; the call ends once, through handler.onEnd, with undefined for grpc-status OK or an
 * EtcdRequestError coded like unary calls (server status, UNAVAILABLE for transport, CANCELLED, and
 * DEADLINE_EXCEEDED if a deadline was given). A stream keeps its connection's socket ref'd while open.
 */
import { ErrorCode, errorCodeName } from '../h2/constants.js';
import type { H2Session } from '../h2/session.js';
import { StreamState } from '../h2/stream-state.js';
import type { StreamAbortKind } from '../h2/stream-state.js';
import { MAX_RESPONSE_BYTES } from './call-common.js';
import type { CallOwner } from './call-common.js';
import { MessageDeframer } from './grpc-deframer.js';
import { GrpcStatus, decodeGrpcMessage, parseGrpcStatus, statusFromHttpStatus, statusFromRstCode } from './grpc-status.js';
import type { EtcdRequestError } from './grpc-status.js';
import type { RpcMethod } from './proto.js';

export interface StreamCallHandler {
  /** One response message, unframed. A view valid only during the call: copy what you keep. */
  onMessage(msg: Buffer): void;
  /** The call is over: undefined when the server ended it with grpc-status OK. Called exactly once. */
  onEnd(error: EtcdRequestError | undefined): void;
}

const EMPTY = Buffer.alloc(0);

export class StreamCall extends StreamState {
  private ended = false;
  private headersSeen = false;
  private httpStatus = 0;
  private grpcStatus = -1;
  private grpcMessage = '';
  private readonly deframer = new MessageDeframer(MAX_RESPONSE_BYTES);

  constructor(
    private readonly owner: CallOwner,
    /** null for a call on a closed client: it only ends (CANCELLED). */
    private readonly session: H2Session | null,
    private readonly method: RpcMethod,
    private readonly handler: StreamCallHandler,
    private readonly deadlineMs: number,
  ) {
    super();
    this.path = method.path;
    this.headerKey = deadlineMs; // 0: no grpc-timeout
  }

  /** True until onEnd has been called. */
  get open(): boolean {
    return !this.ended;
  }

  /** Sends one request message: a complete gRPC frame (encodeFrame) the caller does not reuse. */
  send(frame: Buffer): void {
    if (this.ended || this.endAfterOut) return;
    this.session?.send(this, frame, false);
  }

  /** Half-closes: no more requests; responses keep coming until the server ends the call. */
  end(): void {
    if (this.ended || this.endAfterOut) return;
    this.session?.send(this, EMPTY, true);
  }

  /** Cancels the call (RST_STREAM CANCEL); onEnd gets CANCELLED. */
  cancel(): void {
    if (this.ended) return;
    this.fail(GrpcStatus.CANCELLED, 'cancelled by the caller');
    this.session?.reset(this, ErrorCode.CANCEL);
  }

  onHeader(name: string, value: string): void {
    if (name === ':status') this.httpStatus = Number(value);
    else if (name === 'grpc-status') {
      const status = parseGrpcStatus(value);
      if (status !== undefined) this.grpcStatus = status;
    } else if (name === 'grpc-message') this.grpcMessage = decodeGrpcMessage(value);
  }

  onHeaders(endStream: boolean): void {
    this.headersSeen = true;
    if (endStream) this.complete();
  }

  onData(buf: Buffer, start: number, end: number, endStream: boolean): void {
    if (this.ended) return;
    try {
      this.deframer.push(buf, start, end, this.handler);
    } catch (err) {
      this.fail(GrpcStatus.INTERNAL, `malformed response: ${(err as Error).message}`, err);
      this.session?.reset(this, ErrorCode.CANCEL);
      return;
    }
    if (endStream) this.complete();
  }

  onAbort(kind: StreamAbortKind, code: number, error: Error | undefined): void {
    if (this.ended) return;
    if (this.owner.closed) this.fail(GrpcStatus.CANCELLED, 'the etcd client was closed while the call was open', error);
    else if (kind === 'reset') this.fail(statusFromRstCode(code), `stream reset by the server with HTTP/2 error code ${errorCodeName(code)}`);
    else if (kind === 'refused') this.fail(GrpcStatus.UNAVAILABLE, `${error?.message ?? 'stream refused'}; the request was not processed`, error);
    else this.fail(GrpcStatus.UNAVAILABLE, error?.message ?? 'connection lost', error);
  }

  onDeadline(): void {
    if (this.ended) return;
    this.fail(GrpcStatus.DEADLINE_EXCEEDED, `deadline of ${this.deadlineMs}ms exceeded`);
    this.session?.reset(this, ErrorCode.CANCEL);
  }

  private complete(): void {
    if (this.ended) return;
    if (this.grpcStatus >= 0 && this.grpcStatus !== GrpcStatus.OK) this.fail(this.grpcStatus, this.grpcMessage);
    else if (this.httpStatus !== 200 && this.httpStatus !== 0) this.fail(statusFromHttpStatus(this.httpStatus), `HTTP status ${this.httpStatus}`);
    else if (this.grpcStatus < 0) this.fail(this.headersSeen ? GrpcStatus.INTERNAL : GrpcStatus.UNAVAILABLE, 'stream ended without grpc-status');
    else if (this.deframer.midMessage) this.fail(GrpcStatus.INTERNAL, 'stream ended inside a message');
    else {
      this.ended = true;
      this.handler.onEnd(undefined);
    }
  }

  private fail(code: number, message: string, cause?: unknown): void {
    this.ended = true;
    this.handler.onEnd(this.owner.error(code, message, this.method, cause));
  }
}
