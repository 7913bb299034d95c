/**
 * One connection to one etcd endpoint, carrying unary gRPC calls over the lean HTTP/2 transport
 * (agent/src/h2), or over node:http2 when asked to (transport 'node-http2', see node-http2/).
 *
 * The session is opened lazily and, once it fails (error, GOAWAY, close) or is used up, dropped so that
 * the NEXT call opens a new one. The failed call itself is never retried: a load test must count every
 * failed write and must never apply one twice behind the caller's back. Deadlines travel as grpc-timeout
 * and are enforced by the session's deadline timer, which resets the stream with CANCEL. The socket is
 * ref'd only while calls are in flight, so an idle client never keeps the process alive.
 */
import { H2Session } from '../h2/session.js';
import type { SessionOwner } from '../h2/session.js';
import { CLOSE_GRACE_MS, GRPC_USER_AGENT, MAX_DEADLINE_MS, grpcTimeout } from './call-common.js';
import type { CallOwner, ResponseDecoder } from './call-common.js';
import { parseEndpoint } from './endpoint.js';
import type { EtcdTlsOptions, ParsedEndpoint } from './endpoint.js';
import { EtcdRequestError, GrpcStatus } from './grpc-status.js';
import { NodeHttp2Connection } from './node-http2/node-connection.js';
import type { RpcMethod } from './proto.js';
import { StreamCall } from './h2-stream-call.js';
import type { StreamCallHandler } from './h2-stream-call.js';
import { UnaryCall } from './unary-call.js';

export { MAX_DEADLINE_MS, MAX_RESPONSE_BYTES, grpcTimeout } from './call-common.js';
export type { ResponseDecoder } from './call-common.js';

/** Which HTTP/2 implementation carries the calls: etcdlab's own (default) or Node's node:http2. */
export type EtcdTransport = 'h2' | 'node-http2';

export class Connection implements CallOwner, SessionOwner {
  readonly endpoint: string;
  private readonly target: ParsedEndpoint;
  private readonly fallback: NodeHttp2Connection | undefined;
  private session: H2Session | undefined;
  private readonly live = new Set<H2Session>();
  /** close() waiting for a busy session to go idle. */
  private readonly drains = new Map<H2Session, () => void>();
  private opened = 0;
  private goaways = 0;
  private isClosed = false;

  constructor(
    endpoint: string,
    private readonly tlsOptions?: EtcdTlsOptions,
    transport: EtcdTransport = 'h2',
  ) {
    this.target = parseEndpoint(endpoint);
    this.endpoint = this.target.origin;
    this.fallback = transport === 'node-http2' ? new NodeHttp2Connection(endpoint, tlsOptions) : undefined;
  }

  /** Sessions opened so far (a new one after each failure); for diagnostics and tests. */
  get sessionsOpened(): number {
    return this.fallback?.sessionsOpened ?? this.opened;
  }

  /** Sessions the server retired with GOAWAY (diagnostics, tests). */
  get goawaysReceived(): number {
    return this.goaways;
  }

  /**
   * Sends one unary call with an explicit deadline (ms). Resolves with decode(response message); rejects
   * with EtcdRequestError. `frame` is a complete gRPC frame (see encodeFrame) the caller does not reuse.
   */
  unary<T>(method: RpcMethod, frame: Buffer, deadlineMs: number, decode: ResponseDecoder<T>): Promise<T> {
    if (this.fallback !== undefined) return this.fallback.unary(method, frame, deadlineMs, decode);
    if (this.isClosed) return Promise.reject(this.error(GrpcStatus.CANCELLED, 'the etcd client is closed', method));
    if (!(deadlineMs > 0 && deadlineMs <= MAX_DEADLINE_MS)) {
      return Promise.reject(new RangeError(`deadlineMs must be > 0 and <= ${MAX_DEADLINE_MS} ms, got ${deadlineMs}`));
    }
    const session = this.session ?? (this.session = this.open());
    const call = new UnaryCall(this, session, method, deadlineMs, decode as ResponseDecoder<unknown>);
    const promise = new Promise<T>((resolve, reject) => {
      call.resolve = resolve as (v: unknown) => void;
      call.reject = reject;
    });
    if (!session.open(call, frame, true, deadlineMs)) {
      // Retired between the check and now (cannot normally happen): the next call gets a new session.
      this.onRetired(session);
      call.onAbort('transport', 0, session.error ?? new Error('HTTP/2 session is closed'));
    }
    return promise;
  }

  /**
   * Sends an HTTP/2 PING on the current session (opening one if needed); resolves with the round-trip
   * time in ms. Not available on 'node-http2'.
   */
  ping(): Promise<number> {
    if (this.fallback !== undefined) return Promise.reject(new Error('ping needs the h2 transport, not node-http2'));
    if (this.isClosed) return Promise.reject(new Error('the etcd client is closed'));
    const session = this.session ?? (this.session = this.open());
    return session.ping();
  }

  /**
   * Opens a streaming call (Watch, LeaseKeepAlive ...) on this connection's session; send request frames
   * with the returned call. `deadlineMs` 0 = none (long-lived streams). Not available on 'node-http2'.
   * Fails through handler.onEnd, never by throwing (except for bad arguments).
   */
  stream(method: RpcMethod, handler: StreamCallHandler, deadlineMs = 0): StreamCall {
    if (this.fallback !== undefined) throw new Error('streaming calls need the h2 transport, not node-http2');
    if (!(deadlineMs >= 0 && deadlineMs <= MAX_DEADLINE_MS)) throw new RangeError(`deadlineMs must be >= 0 and <= ${MAX_DEADLINE_MS} ms, got ${deadlineMs}`);
    const session = this.isClosed ? undefined : (this.session ?? (this.session = this.open()));
    if (session === undefined) {
      // A closed client: a call that ends at once with CANCELLED, on a session that never existed.
      const dead = new StreamCall(this, null, method, handler, deadlineMs);
      queueMicrotask(() => dead.onAbort('transport', 0, new Error('the etcd client is closed')));
      return dead;
    }
    const call = new StreamCall(this, session, method, handler, deadlineMs);
    if (!session.open(call, null, false, deadlineMs)) {
      this.onRetired(session);
      queueMicrotask(() => call.onAbort('transport', 0, session.error ?? new Error('HTTP/2 session is closed')));
    }
    return call;
  }

  /** Closes every session: idle ones at once, busy ones after their calls end or CLOSE_GRACE_MS. */
  async close(): Promise<void> {
    if (this.fallback !== undefined) return this.fallback.close();
    this.isClosed = true;
    this.session = undefined;
    await Promise.all([...this.live].map((s) => this.closeSession(s)));
  }

  /** Set by close(); in-flight calls it cuts off fail with CANCELLED rather than UNAVAILABLE. */
  get closed(): boolean {
    return this.fallback?.closed ?? this.isClosed;
  }

  /** An EtcdRequestError naming this endpoint and the method. */
  error(code: number, message: string, method: RpcMethod, cause?: unknown): EtcdRequestError {
    return new EtcdRequestError(code, message, { method: method.name, endpoint: this.endpoint, cause });
  }

  // ---- SessionOwner ---------------------------------------------------------------------------------------

  onRetired(session: H2Session): void {
    if (session.goaway !== undefined) this.goaways++;
    if (this.session === session) this.session = undefined;
  }

  onIdle(session: H2Session): void {
    if (session.destroyed) this.live.delete(session);
    const drained = this.drains.get(session);
    if (drained !== undefined) drained();
  }

  private open(): H2Session {
    const { host, port, secure, origin } = this.target;
    const session = new H2Session(
      {
        host,
        port,
        secure,
        tls: this.tlsOptions,
        pseudoHeaders: [
          [':method', 'POST'],
          [':scheme', secure ? 'https' : 'http'],
          [':authority', origin.slice(origin.indexOf('//') + 2)],
        ],
        commonHeaders: [
          ['content-type', 'application/grpc'],
          ['te', 'trailers'],
          ['user-agent', GRPC_USER_AGENT],
        ],
        varyingHeaders: (deadlineMs) => [['grpc-timeout', grpcTimeout(deadlineMs)]],
      },
      this,
    );
    this.opened++;
    this.live.add(session);
    return session;
  }

  /**
   * Idle: destroyed at once. Busy: in-flight calls get CLOSE_GRACE_MS, then the session is destroyed and
   * they fail with CANCELLED. Destroying also destroys the socket, so a hung (SIGSTOP) peer cannot stall it.
   */
  private closeSession(session: H2Session): Promise<void> {
    if (session.destroyed) return Promise.resolve();
    if (session.activeStreams === 0) {
      session.close();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(grace);
        this.drains.delete(session);
        session.close(); // cancels what is still in flight, then destroys
        resolve();
      };
      const grace = setTimeout(finish, CLOSE_GRACE_MS);
      this.drains.set(session, finish);
    });
  }
}
