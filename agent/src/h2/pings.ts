/**
 * PINGs we send (RFC 9113 §6.7): each carries a counter as its opaque data, so an ACK finds its sender;
 * the promise resolves with the round-trip time, or rejects when the session dies first.
 */
import type { FrameWriter } from './frame-writer.js';

interface PendingPing {
  id: number;
  sentAt: number;
  resolve: (rttMs: number) => void;
  reject: (err: Error) => void;
}

/** Unanswered pings kept at most; beyond that the oldest is failed (a peer that never answers). */
const MAX_PENDING = 64;

export class PingTracker {
  private readonly pending: PendingPing[] = [];
  private nextId = 1;
  private readonly payload = Buffer.alloc(8);

  send(writer: FrameWriter): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const id = this.nextId++;
      this.payload.writeUInt32BE(0, 0);
      this.payload.writeUInt32BE(id >>> 0, 4);
      writer.ping(this.payload, 0, false);
      if (this.pending.length >= MAX_PENDING) this.pending.shift()!.reject(new Error('PING not answered'));
      this.pending.push({ id: id >>> 0, sentAt: performance.now(), resolve, reject });
    });
  }

  onAck(buf: Buffer, start: number): void {
    const id = buf.readUInt32BE(start + 4);
    const i = this.pending.findIndex((p) => p.id === id);
    if (i < 0) return;
    const [p] = this.pending.splice(i, 1);
    p!.resolve(performance.now() - p!.sentAt);
  }

  failAll(err: Error): void {
    for (const p of this.pending.splice(0)) p.reject(err);
  }
}
