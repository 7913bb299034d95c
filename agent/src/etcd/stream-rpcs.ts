/**
 * Streaming RPCs of an EtcdClient: Watch and LeaseKeepAlive streams, opened on a pool connection (the
 * transport's streaming call, Connection.stream), so a pinned client keeps its endpoint for streams too.
 */
import type { RpcMethod } from './proto.js';
import { LeaseKeepAliveStream } from './lease-stream.js';
import { WatchStream, type WatchStreamHandlers } from './watch-stream.js';

/** What the stream wrappers need from a transport's streaming call. */
export interface GrpcStream {
  /** Sends one complete gRPC frame. */
  send(frame: Buffer): void;
  /** Ends the call from our side. */
  cancel(): void;
  /** False once the call has ended (its onEnd was called). */
  readonly open: boolean;
}

export interface GrpcStreamHandler {
  onMessage(msg: Buffer): void;
  onEnd(err: import('./grpc-status.js').EtcdRequestError | undefined): void;
}

export type OpenStream = (method: RpcMethod, handler: GrpcStreamHandler) => GrpcStream;

export interface LeaseGrant {
  id: bigint;
  /** Seconds etcd granted. */
  ttl: number;
  revision: number;
}

export class StreamRpcs {
  constructor(
    /** Opens a streaming call on pool connection `conn` (mod the pool size). */
    private readonly openOn: (conn: number) => OpenStream,
  ) {}

  /** A new Watch stream on connection `conn`; it fails through handlers.end, never by throwing. */
  watch(conn: number, handlers: WatchStreamHandlers): WatchStream {
    return new WatchStream(this.openOn(conn), handlers);
  }

  /** A new LeaseKeepAlive stream on connection `conn`. */
  keepAlive(conn: number): LeaseKeepAliveStream {
    return new LeaseKeepAliveStream(this.openOn(conn));
  }
}
