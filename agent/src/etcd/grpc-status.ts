/**
 * gRPC status codes and the one error type every failed etcd call rejects with, so callers (load
 * generators counting errors by kind) can switch on `codeName` without parsing messages.
 */
import { constants as h2 } from 'node:http2';

export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatusName = keyof typeof GrpcStatus;

const NAMES: readonly GrpcStatusName[] = (Object.keys(GrpcStatus) as GrpcStatusName[]).sort(
  (a, b) => GrpcStatus[a] - GrpcStatus[b],
);

/** Name of a status code; codes outside 0..16 are UNKNOWN, as the gRPC spec tells clients to treat them. */
export function grpcStatusName(code: number): GrpcStatusName {
  return (Number.isInteger(code) ? NAMES[code] : undefined) ?? 'UNKNOWN';
}

/** Code of a status name, or undefined for a name gRPC does not define. */
export function grpcStatusCode(name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(GrpcStatus, name) ? GrpcStatus[name as GrpcStatusName] : undefined;
}

/** Parses a grpc-status header value; undefined when absent or not a decimal number. */
export function parseGrpcStatus(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 4) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** grpc-message is percent-encoded UTF-8; a malformed escape leaves the raw text rather than failing. */
export function decodeGrpcMessage(value: unknown): string {
  if (typeof value !== 'string') return '';
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Status for a non-200 HTTP response without grpc-status (gRPC's http-grpc-status-mapping). */
export function statusFromHttpStatus(httpStatus: number): number {
  switch (httpStatus) {
    case 400: return GrpcStatus.INTERNAL;
    case 401: return GrpcStatus.UNAUTHENTICATED;
    case 403: return GrpcStatus.PERMISSION_DENIED;
    case 404: return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504: return GrpcStatus.UNAVAILABLE;
    default: return GrpcStatus.UNKNOWN;
  }
}

/** Status for a stream the server reset before sending grpc-status (gRPC's RST_STREAM mapping). */
export function statusFromRstCode(rstCode: number): number {
  switch (rstCode) {
    case h2.NGHTTP2_REFUSED_STREAM: return GrpcStatus.UNAVAILABLE; // never processed: safe to say so
    case h2.NGHTTP2_CANCEL: return GrpcStatus.CANCELLED;
    case h2.NGHTTP2_ENHANCE_YOUR_CALM: return GrpcStatus.RESOURCE_EXHAUSTED;
    case h2.NGHTTP2_INADEQUATE_SECURITY: return GrpcStatus.PERMISSION_DENIED;
    default: return GrpcStatus.INTERNAL;
  }
}

export interface EtcdRequestErrorDetails {
  /** e.g. 'KV.Put'. */
  method?: string;
  endpoint?: string;
  cause?: unknown;
}

/**
 * A failed etcd call. `code`/`codeName` are the gRPC status (from the server, or UNAVAILABLE for transport
 * failures, DEADLINE_EXCEEDED when our own deadline fired); `grpcMessage` is the server's or our text.
 */
export class EtcdRequestError extends Error {
  readonly code: number;
  readonly codeName: GrpcStatusName;
  readonly grpcMessage: string;
  readonly method: string | undefined;
  readonly endpoint: string | undefined;

  constructor(code: number, grpcMessage: string, details: EtcdRequestErrorDetails = {}) {
    const codeName = grpcStatusName(code);
    const known = GrpcStatus[codeName] === code;
    const where = details.method ? `${details.method}${details.endpoint ? ` to ${details.endpoint}` : ''}: ` : '';
    const what = known ? codeName : `${codeName} (grpc-status ${code})`;
    super(`${where}${what}${grpcMessage ? `: ${grpcMessage}` : ''}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'EtcdRequestError';
    this.code = known ? code : GrpcStatus.UNKNOWN;
    this.codeName = codeName;
    this.grpcMessage = grpcMessage;
    this.method = details.method;
    this.endpoint = details.endpoint;
  }
}

export function isEtcdRequestError(err: unknown): err is EtcdRequestError {
  return err instanceof EtcdRequestError;
}
