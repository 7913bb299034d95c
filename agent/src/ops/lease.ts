/**
 * Lease operations and the agent's pool of leases. An operation that needs a lease when the pool is
 * empty grants one instead and is recorded as `lease-grant`, so the phase starts without a set-up step.
 * Keep-alives go over one LeaseKeepAlive stream per connection (a request and its answer, as etcd's
 * benchmark lease-keepalive times them); a stream that failed is replaced on the next use.
 */
import type { LeaseKeepAliveStream } from '../etcd/lease-stream.js';
import type { OpContext, OpExecutor } from './types.js';

export class LeasePool {
  private readonly ids: bigint[] = [];
  private next = 0;
  private readonly streams = new Map<number, LeaseKeepAliveStream>();

  constructor(
    readonly size: number,
    readonly ttlMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  get ttlSeconds(): number {
    return Math.max(1, Math.round(this.ttlMs / 1000));
  }

  /** A lease from the pool (it stays there), or undefined when empty. */
  pick(): bigint | undefined {
    return this.ids.length === 0 ? undefined : this.ids[Math.floor(this.random() * this.ids.length)];
  }

  /** A lease taken out of the pool. */
  take(): bigint | undefined {
    if (this.ids.length === 0) return undefined;
    const i = Math.floor(this.random() * this.ids.length);
    const id = this.ids[i] as bigint;
    this.ids[i] = this.ids[this.ids.length - 1] as bigint;
    this.ids.pop();
    return id;
  }

  /** Adds a granted lease; a full pool forgets its oldest slot (that lease just expires in etcd). */
  add(id: bigint): void {
    if (this.ids.length < this.size) this.ids.push(id);
    else {
      this.ids[this.next] = id;
      this.next = (this.next + 1) % this.size;
    }
  }

  remove(id: bigint): void {
    const i = this.ids.indexOf(id);
    if (i >= 0) this.ids.splice(i, 1);
  }

  keepAliveStream(ctx: OpContext, conn: number): LeaseKeepAliveStream {
    let s = this.streams.get(conn);
    if (!s || s.ended) this.streams.set(conn, (s = ctx.target.streams.keepAlive(conn)));
    return s;
  }

  close(): void {
    for (const s of this.streams.values()) s.close();
    this.streams.clear();
  }
}

async function grant(ctx: OpContext, conn: number): Promise<string> {
  const g = await ctx.target.leaseGrant(ctx.leases.ttlSeconds, ctx.deadlineMs, conn);
  ctx.leases.add(g.id);
  ctx.revisions.seen(g.revision);
  return 'lease-grant';
}

export const leaseGrant = (ctx: OpContext): OpExecutor => async (_j, conn) => {
  await grant(ctx, conn);
};

export const leaseKeepAlive = (ctx: OpContext): OpExecutor => async (_j, conn) => {
  const id = ctx.leases.pick();
  if (id === undefined) return grant(ctx, conn);
  const ttl = await ctx.leases.keepAliveStream(ctx, conn).keepAlive(id, ctx.deadlineMs);
  if (ttl > 0) return undefined;
  ctx.leases.remove(id);
  return 'lease-keepalive-expired';
};

export const leaseRevoke = (ctx: OpContext): OpExecutor => async (_j, conn) => {
  const id = ctx.leases.take();
  if (id === undefined) return grant(ctx, conn);
  await ctx.target.leaseRevoke(id, ctx.deadlineMs, conn);
  return undefined;
};

export const putLease = (ctx: OpContext): OpExecutor => async (j, conn) => {
  const id = ctx.leases.pick();
  if (id === undefined) return grant(ctx, conn);
  const rev = await ctx.target.putRevision(Buffer.from(ctx.keys.key(ctx.keys.index(j))), ctx.values.next(), id, ctx.deadlineMs, conn);
  ctx.revisions.seen(rev);
  return undefined;
};
