/**
 * One Watch stream carrying many watchers. Creates are answered in order (etcd assigns ids per stream in
 * the order it receives create requests), so a FIFO of pending creates pairs each answer with its
 * request; events are handed over per response with the watcher's id.
 */
import { encodeFrame } from './proto.js';
import { Rpc } from './proto.js';
import { type WatchCreateRequest, WatchCancelEncoder, WatchCreateEncoder, type WatchResponse, decodeWatchResponse } from './proto-watch.js';
import { EtcdRequestError, GrpcStatus } from './grpc-status.js';
import type { GrpcStream, OpenStream } from './stream-rpcs.js';

export interface WatchStreamHandlers {
  /** Events (or a cancel, or a progress notification) for watcher `watchId`; `res` is only valid during the call. */
  response(res: WatchResponse): void;
  /** The stream ended: undefined when we closed it, else why. */
  end(err: EtcdRequestError | undefined): void;
}

interface PendingCreate {
  resolve(id: number): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class WatchStream {
  private readonly call: GrpcStream;
  private readonly creates: PendingCreate[] = [];
  private endError: EtcdRequestError | undefined;
  private closedByUs = false;

  constructor(
    open: OpenStream,
    private readonly handlers: WatchStreamHandlers,
  ) {
    this.call = open(Rpc.watch, {
      onMessage: (msg) => this.onMessage(decodeWatchResponse(msg)),
      onEnd: (err) => this.onEnd(this.closedByUs ? undefined : err),
    });
  }

  get ended(): boolean {
    return !this.call.open;
  }

  /** Creates a watcher; resolves with its id once etcd confirms it, rejects after deadlineMs. */
  create(req: WatchCreateRequest, deadlineMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (!this.call.open) {
        reject(this.endError ?? new EtcdRequestError(GrpcStatus.UNAVAILABLE, 'watch stream is closed', { method: Rpc.watch.name }));
        return;
      }
      this.call.send(encodeFrame(WatchCreateEncoder, req));
      const pending: PendingCreate = {
        resolve,
        reject,
        timer: setTimeout(() => {
          // Keep the slot in the FIFO (its answer may still come) but stop waiting for it.
          pending.resolve = () => undefined;
          pending.reject = () => undefined;
          reject(new EtcdRequestError(GrpcStatus.DEADLINE_EXCEEDED, `watch create not confirmed within ${deadlineMs}ms`, { method: Rpc.watch.name }));
        }, deadlineMs),
      };
      pending.timer.unref();
      this.creates.push(pending);
    });
  }

  cancelWatcher(watchId: number): void {
    this.call.send(encodeFrame(WatchCancelEncoder, { watchId }));
  }

  /** Ends the stream (every watcher on it). */
  close(): void {
    this.closedByUs = true;
    this.call.cancel();
  }

  private onMessage(res: WatchResponse): void {
    if (res.created) {
      const p = this.creates.shift();
      if (p) {
        clearTimeout(p.timer);
        // A create refused at once (e.g. a compacted start revision) comes back created and canceled.
        if (res.canceled) p.reject(new EtcdRequestError(GrpcStatus.FAILED_PRECONDITION, res.cancelReason || 'watch canceled at creation', { method: Rpc.watch.name }));
        else p.resolve(res.watchId);
      }
      if (res.events.length === 0) return;
    }
    this.handlers.response(res);
  }

  private onEnd(err: EtcdRequestError | undefined): void {
    this.endError = err;
    for (const p of this.creates.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err ?? new EtcdRequestError(GrpcStatus.CANCELLED, 'watch stream closed', { method: Rpc.watch.name }));
    }
    this.handlers.end(err);
  }
}
