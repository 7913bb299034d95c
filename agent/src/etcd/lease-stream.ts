/**
 * One LeaseKeepAlive stream: keepAlive(id) sends a request and resolves with the TTL etcd answers.
 * etcd answers a stream's keep-alives in order, so answers are paired per lease id first-in first-out; a
 * request that timed out keeps its place so that its late answer is not taken for the next one.
 */
import { encodeFrame, Rpc } from './proto.js';
import { LeaseIdRequestEncoder, decodeLeaseResponse } from './proto-lease.js';
import { EtcdRequestError, GrpcStatus } from './grpc-status.js';
import type { GrpcStream, OpenStream } from './stream-rpcs.js';

interface Pending {
  resolve(ttl: number): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class LeaseKeepAliveStream {
  private readonly call: GrpcStream;
  private readonly pending = new Map<bigint, Pending[]>();
  private endError: EtcdRequestError | undefined;

  constructor(open: OpenStream) {
    this.call = open(Rpc.leaseKeepAlive, {
      onMessage: (msg) => this.onMessage(msg),
      onEnd: (err) => this.onEnd(err),
    });
  }

  get ended(): boolean {
    return !this.call.open;
  }

  /** One keep-alive round trip; resolves with the lease's new TTL in seconds (0 or less: it had expired). */
  keepAlive(id: bigint, deadlineMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (!this.call.open) {
        reject(this.endError ?? new EtcdRequestError(GrpcStatus.UNAVAILABLE, 'keep-alive stream is closed', { method: Rpc.leaseKeepAlive.name }));
        return;
      }
      this.call.send(encodeFrame(LeaseIdRequestEncoder, { id }));
      const p: Pending = {
        resolve,
        reject,
        timer: setTimeout(() => {
          p.resolve = () => undefined;
          p.reject = () => undefined;
          reject(new EtcdRequestError(GrpcStatus.DEADLINE_EXCEEDED, `deadline of ${deadlineMs}ms exceeded`, { method: Rpc.leaseKeepAlive.name }));
        }, deadlineMs),
      };
      p.timer.unref();
      let q = this.pending.get(id);
      if (!q) this.pending.set(id, (q = []));
      q.push(p);
    });
  }

  close(): void {
    this.call.cancel();
  }

  private onMessage(msg: Buffer): void {
    const res = decodeLeaseResponse(msg);
    const q = this.pending.get(res.id);
    const p = q?.shift();
    if (q && q.length === 0) this.pending.delete(res.id);
    if (!p) return;
    clearTimeout(p.timer);
    p.resolve(res.ttl);
  }

  private onEnd(err: EtcdRequestError | undefined): void {
    this.endError = err ?? new EtcdRequestError(GrpcStatus.CANCELLED, 'keep-alive stream closed', { method: Rpc.leaseKeepAlive.name });
    for (const q of this.pending.values()) {
      for (const p of q) {
        clearTimeout(p.timer);
        p.reject(this.endError);
      }
    }
    this.pending.clear();
  }
}
