/**
 * The node:http2 fallback transport (EtcdClientOptions.transport = 'node-http2'): one session to one etcd
 * endpoint, carrying unary gRPC calls. Same contract as ../connection.ts; kept for comparison benchmarks
 * and as a fallback should the lean transport (agent/src/h2) meet a server it cannot talk to.
 *
 * The session is opened lazily and, once it fails (error, GOAWAY, close), dropped so that the NEXT call
 * opens a new one. The failed call itself is never retried: a load test must count every failed write and
 * must never apply one twice behind the caller's back.
 *
 * Hot path: request headers are cached per (path, deadline); per-call work lives in node-unary-call.ts. The
 * session is ref'd only while calls are in flight, so an idle client never keeps the process alive.
 */
import http2, { constants as h2 } from 'node:http2';
import type { ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import type { Duplex } from 'node:stream';
import { CLOSE_GRACE_MS, GRPC_USER_AGENT, MAX_DEADLINE_MS, grpcTimeout } from '../call-common.js';
import type { CallOwner, ResponseDecoder } from '../call-common.js';
import { connectSocket, parseEndpoint } from '../endpoint.js';
import type { EtcdTlsOptions, ParsedEndpoint } from '../endpoint.js';
import { EtcdRequestError, GrpcStatus } from '../grpc-status.js';
import type { RpcMethod } from '../proto.js';
import { SessionSlot, startCall } from './node-unary-call.js';

const REQUEST_OPTIONS = { endStream: false } as const;

// Request headers per path and deadline, per connection. Node copies the object in request(), so reuse
// is safe; the bound below keeps a caller with random deadlines in check.
type HeaderCache = Map<string, Map<number, OutgoingHttpHeaders>>;
const HEADER_CACHE_PER_PATH = 256;

function requestHeaders(headerCache: HeaderCache, path: string, deadlineMs: number): OutgoingHttpHeaders {
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
      [h2.HTTP2_HEADER_USER_AGENT]: GRPC_USER_AGENT,
    };
    byDeadline.set(deadlineMs, headers);
  }
  return headers;
}

export class NodeHttp2Connection implements CallOwner {
  readonly endpoint: string;
  /** Sessions opened so far (a new one after each failure); for diagnostics and tests. */
  sessionsOpened = 0;
  private readonly target: ParsedEndpoint;
  private slot: SessionSlot | undefined;
  private readonly live = new Set<SessionSlot>();
  private isClosed = false;
  private readonly headerCache: HeaderCache = new Map();

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
    if (this.isClosed) return Promise.reject(this.error(GrpcStatus.CANCELLED, 'the etcd client is closed', method));
    if (!(deadlineMs > 0 && deadlineMs <= MAX_DEADLINE_MS)) {
      return Promise.reject(new RangeError(`deadlineMs must be > 0 and <= ${MAX_DEADLINE_MS} ms, got ${deadlineMs}`));
    }
    const slot = this.slot ?? (this.slot = this.open());
    let stream: ClientHttp2Stream;
    try {
      stream = slot.session.request(requestHeaders(this.headerCache, method.path, deadlineMs), REQUEST_OPTIONS);
    } catch (err) {
      // The session died under us (destroyed, GOAWAY, out of stream ids): next call gets a new one.
      this.discard(slot);
      return Promise.reject(this.error(GrpcStatus.UNAVAILABLE, `cannot start a stream: ${(err as Error).message}`, method, err));
    }
    return new Promise<T>((resolve, reject) => startCall(this, slot, stream, frame, method, deadlineMs, decode, resolve, reject));
  }

  /** Closes every session of this connection (see closeSession); later calls reject with CANCELLED. */
  async close(): Promise<void> {
    this.isClosed = true;
    this.slot = undefined;
    await Promise.all([...this.live].map(closeSession));
  }

  /** Set by close(); in-flight calls it cuts off fail with CANCELLED rather than UNAVAILABLE. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** An EtcdRequestError naming this endpoint and the method. */
  error(code: number, message: string, method: RpcMethod, cause?: unknown): EtcdRequestError {
    return new EtcdRequestError(code, message, { method: method.name, endpoint: this.endpoint, cause });
  }

  private open(): SessionSlot {
    const target = this.target;
    const tlsOptions = this.tlsOptions;
    let socket: Duplex | undefined;
    const session = http2.connect(target.origin, {
      createConnection: () => (socket = connectSocket(target, tlsOptions)),
      settings: { enablePush: false, initialWindowSize: 1024 * 1024 },
      maxSessionMemory: 64,
      peerMaxConcurrentStreams: 1000,
    });
    this.sessionsOpened++;
    const slot = new SessionSlot(session);
    slot.socket = socket;
    this.live.add(slot);
    // Per-session (not per-call) listeners: any failure retires the session for future calls.
    session.on('connect', () => session.setLocalWindowSize(16 * 1024 * 1024));
    session.on('error', () => this.discard(slot)); // calls see the error through their streams
    session.on('goaway', () => this.discard(slot));
    session.on('close', () => {
      this.discard(slot);
      this.live.delete(slot);
    });
    return slot;
  }

  private discard(slot: SessionSlot): void {
    if (this.slot === slot) this.slot = undefined;
  }
}

/**
 * Closes one session. Idle: destroyed at once. Busy: in-flight calls get CLOSE_GRACE_MS, then it is
 * destroyed. session.destroy() alone half-closes the socket and waits for the peer, which may be hung
 * (SIGSTOP), so the socket we created is destroyed with it.
 */
function closeSession(slot: SessionSlot): Promise<void> {
  const session = slot.session;
  if (session.destroyed) return Promise.resolve();
  const kill = (): void => {
    session.destroy();
    slot.socket?.destroy();
  };
  return new Promise<void>((resolve) => {
    session.ref(); // so `await client.close()` completes; the timers bound how long
    const done = (): void => {
      clearTimeout(graceTimer);
      clearTimeout(lastTimer);
      resolve();
    };
    const graceTimer = setTimeout(kill, slot.inflight === 0 ? 0 : CLOSE_GRACE_MS);
    const lastTimer = setTimeout(done, CLOSE_GRACE_MS + 1000);
    session.once('close', done);
    if (slot.inflight > 0 && !session.closed) session.close();
  });
}

