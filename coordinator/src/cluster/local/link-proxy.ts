/**
 * A TCP proxy in front of one member's peer or client listener, so that link faults need no root
 * (docs/faults.md; etcd's robustness tests put a proxy on the same links). Peers and clients dial the
 * proxy's port; it forwards to the member. Its rules are read for every piece of data, so a fault takes
 * effect on connections already open:
 *  - cut: nothing is forwarded and the sockets stop being read, so the kernel holds what was sent, as it
 *    would for a partitioned peer (TCP retransmits; nothing is lost when the cut ends);
 *  - delay: each piece is held for ms + a random part of jitter, in order;
 *  - drop: a share of the pieces is held one retransmission timeout longer, as TCP sees a lost segment.
 * A peer proxy reads the sender of each connection from rafthttp's X-Server-From header, so that cutting
 * a member stops its own outgoing peer traffic too, not only what comes in.
 */
import { createServer, type Server, type Socket, connect } from 'node:net';
import type { LinkFault } from '@etcdlab/common';

/** Linux's minimum TCP retransmission timeout: how late a lost segment arrives. */
export const RETRANSMIT_MS = 200;
const HEADER_LIMIT = 16 * 1024;
const HELD_POLL_MS = 20;
const QUEUE_HIGH = 64;

export interface LinkRules {
  /** The rule for a connection into `to` (this proxy's member) from `from` (a member name, when known). */
  rule(to: string, from: string | undefined, kind: 'peer' | 'client'): LinkFault | undefined;
}

export interface LinkProxy {
  readonly port: number;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

export async function startLinkProxy(o: { member: string; kind: 'peer' | 'client'; targetPort: number; rules: LinkRules; nameOfId: (hexId: string) => string | undefined; port?: number }): Promise<LinkProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect({ host: LOOPBACK, port: o.targetPort });
    sockets.add(inbound).add(outbound);
    let from: string | undefined;
    let head = o.kind === 'peer' ? Buffer.alloc(0) : undefined;
    const rule = (): LinkFault | undefined => o.rules.rule(o.member, from, o.kind);
    const close = (): void => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    inbound.on('error', close).on('close', close);
    outbound.on('error', close).on('close', close);
    pipe(inbound, outbound, rule, (buf) => {
      // The sender's member id is in the first request's headers: read before anything is forwarded.
      if (head === undefined) return true;
      head = Buffer.concat([head, buf]);
      const text = head.toString('latin1');
      const m = /\r\nx-server-from: *([0-9a-f]+)\r\n/i.exec(text);
      if (m) from = o.nameOfId((m[1] as string).toLowerCase());
      if (m || text.includes('\r\n\r\n') || head.length > HEADER_LIMIT) head = undefined;
      return true;
    });
    pipe(outbound, inbound, rule);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One direction: pieces queued with the time they may go, written in order unless the link is cut. */
function pipe(src: Socket, dst: Socket, rule: () => LinkFault | undefined, peek?: (buf: Buffer) => boolean): void {
  const queue: { at: number; buf: Buffer }[] = [];
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    timer = undefined;
    const r = rule();
    const now = performance.now();
    if (r?.cut) {
      src.pause();
      timer = setTimeout(pump, HELD_POLL_MS);
      return;
    }
    while (queue.length && (queue[0] as { at: number }).at <= now) dst.write((queue.shift() as { buf: Buffer }).buf);
    if (queue.length < QUEUE_HIGH / 4 && src.isPaused()) src.resume();
    if (queue.length) timer = setTimeout(pump, Math.max(1, (queue[0] as { at: number }).at - now));
  };
  src.on('data', (buf: Buffer) => {
    peek?.(buf);
    const r = rule();
    const now = performance.now();
    let hold = 0;
    if (r) hold = r.delayMs + (r.jitterMs > 0 ? Math.random() * r.jitterMs : 0) + (r.dropShare > 0 && Math.random() < r.dropShare ? RETRANSMIT_MS : 0);
    // In order, as one TCP stream: a piece never overtakes the one before it.
    last = Math.max(last, now + hold);
    queue.push({ at: last, buf });
    if (queue.length >= QUEUE_HIGH) src.pause();
    if (!timer) pump();
  });
  src.on('end', () => {
    const drain = (): void => {
      if (queue.length || rule()?.cut) setTimeout(drain, HELD_POLL_MS);
      else dst.end();
    };
    drain();
  });
}
