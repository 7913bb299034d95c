/** What every unary call shares, whichever HTTP/2 transport carries it. */
import type { EtcdRequestError } from './grpc-status.js';
import type { RpcMethod } from './proto.js';

/** Turns the unframed response message into the call's result; a throw becomes an INTERNAL error. */
export type ResponseDecoder<T> = (msg: Buffer) => T;

/** Responses above this are refused (RESOURCE_EXHAUSTED) rather than buffered without bound. */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** Longest deadline a Node timer can express (~24.8 days); longer ones would fire at once. */
export const MAX_DEADLINE_MS = 2 ** 31 - 1;

/** How long close() lets in-flight calls finish before destroying the session. */
export const CLOSE_GRACE_MS = 2000;

/** What a call needs from its connection: whether it was closed, and errors naming the endpoint. */
export interface CallOwner {
  readonly closed: boolean;
  error(code: number, message: string, method: RpcMethod, cause?: unknown): EtcdRequestError;
}

/** grpc-timeout value: at most 8 digits, so long deadlines switch from milliseconds to seconds. */
export function grpcTimeout(deadlineMs: number): string {
  const ms = Math.ceil(deadlineMs);
  return ms <= 99_999_999 ? `${ms}m` : `${Math.min(Math.ceil(ms / 1000), 99_999_999)}S`;
}

/** The request fields of gRPC over HTTP/2 besides the pseudo-headers (the user agent names etcdlab). */
export const GRPC_USER_AGENT = 'etcdlab-grpc/0.2';
