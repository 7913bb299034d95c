/**
 * The per-stream state the session keeps, as a base class: a unary call (or a streaming call) extends it,
 * so one object per call carries both the transport's bookkeeping and the call's own state, and the
 * session reaches the call through plain method calls instead of per-stream closures or emitters.
 */
import type { DeadlineList, Deadlined } from './deadlines.js';

/** Why a stream ended without a normal END_STREAM from the server. */
export type StreamAbortKind =
  /** The server sent RST_STREAM with `code`. */
  | 'reset'
  /** The server will not process it: GOAWAY below its id, or the session could not open it. */
  | 'refused'
  /** The connection failed or was destroyed: `error` says why. */
  | 'transport';

export abstract class StreamState implements Deadlined {
  /** Stream id once opened; 0 while waiting for a free concurrency slot or not opened. */
  id = 0;
  /** Request :path and the key of its per-request header fields (see RequestHeaders). */
  path = '';
  headerKey = 0;
  /** Flow control: what we may still send, and what the server may still send us. */
  sendWindow = 0;
  recvWindow = 0;
  recvUnacked = 0;
  /** We sent END_STREAM / the server did. */
  localEnded = false;
  remoteEnded = false;
  /** Outgoing data not yet sent (flow control): current buffer, position in it, and the ones after. */
  out: Buffer | null = null;
  outPos = 0;
  outMore: Buffer[] | null = null;
  /** END_STREAM goes out after the queued data. */
  endAfterOut = false;
  /** In the session's list of streams waiting for window. */
  blocked = false;
  // Deadlined
  dueAt = 0;
  dPrev: Deadlined | null = null;
  dNext: Deadlined | null = null;
  dList: DeadlineList | null = null;

  /** One field of a response header block (headers or trailers). */
  abstract onHeader(name: string, value: string): void;
  /** The end of a header block; `endStream` when it also ended the stream (trailers, or trailers-only). */
  abstract onHeaders(endStream: boolean): void;
  /** Response payload buf[start, end): a view valid only during the call. */
  abstract onData(buf: Buffer, start: number, end: number, endStream: boolean): void;
  /** The stream is over without END_STREAM from the server; it is already removed from the session. */
  abstract onAbort(kind: StreamAbortKind, code: number, error: Error | undefined): void;
  /** The deadline given to H2Session.open passed; the stream is still open (reset it if needed). */
  abstract onDeadline(): void;
}
