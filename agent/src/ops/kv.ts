/** Plain key-value operations: put, get, delete, range, delete-range. */
import type { OpSpec } from '@etcdlab/common';
import { prefixRangeEnd } from '../etcd/proto.js';
import { valueDigest } from './observe.js';
import type { OpContext, OpExecutor } from './types.js';

/** [key(i), key(i + span)), or to the end of the phase's prefix when that runs past the key space. */
export function spanRange(ctx: OpContext, i: number, span: number): { key: Buffer; rangeEnd: Buffer } {
  const key = Buffer.from(ctx.keys.key(i));
  const end = i + span;
  return { key, rangeEnd: end < ctx.plan.keys.space ? Buffer.from(ctx.keys.key(end)) : prefixRangeEnd(Buffer.from(ctx.plan.keys.prefix)) };
}

export function put(ctx: OpContext): OpExecutor {
  const { target, keys, values, deadlineMs, acked } = ctx;
  if (!acked) return (j, conn) => target.put(Buffer.from(keys.key(keys.index(j))), values.next(), deadlineMs, conn);
  // Tracked (a fault phase): the revision etcd acknowledged and the value's digest, taken before the
  // await (the value is a view of a shared buffer).
  return async (j, conn) => {
    const key = Buffer.from(keys.key(keys.index(j)));
    const value = values.next();
    const digest = valueDigest(value);
    acked.record(key, await target.putRevision(key, value, 0n, deadlineMs, conn), digest);
  };
}

export function get(ctx: OpContext, spec: OpSpec): OpExecutor {
  const { target, keys, revisions, deadlineMs } = ctx;
  const serializable = (spec.consistency ?? ctx.plan.consistency) === 'serializable';
  if (spec.revision !== 'last') {
    return async (j, conn) => {
      await target.get(Buffer.from(keys.key(keys.index(j))), { serializable }, deadlineMs, conn);
    };
  }
  return async (j, conn) => {
    const res = await target.range({ key: Buffer.from(keys.key(keys.index(j))), serializable, revision: revisions.latest }, deadlineMs, conn);
    revisions.seen(res.header?.revision);
  };
}

export function del(ctx: OpContext): OpExecutor {
  const { target, keys, deadlineMs } = ctx;
  return async (j, conn) => {
    await target.deleteKey(Buffer.from(keys.key(keys.index(j))), deadlineMs, conn);
  };
}

export function range(ctx: OpContext, spec: OpSpec): OpExecutor {
  const { target, keys, revisions, deadlineMs } = ctx;
  const prefix = Buffer.from(ctx.plan.keys.prefix);
  const whole = { key: prefix, rangeEnd: prefixRangeEnd(prefix) };
  const serializable = (spec.consistency ?? ctx.plan.consistency) === 'serializable';
  return async (j, conn) => {
    const span = spec.span !== undefined ? spanRange(ctx, keys.index(j), spec.span) : whole;
    const res = await target.range(
      {
        ...span,
        limit: spec.limit ?? 0,
        keysOnly: spec.keysOnly ?? false,
        countOnly: spec.countOnly ?? false,
        serializable,
        ...(spec.revision === 'last' ? { revision: revisions.latest } : {}),
      },
      deadlineMs,
      conn,
    );
    revisions.seen(res.header?.revision);
  };
}

export function deleteRange(ctx: OpContext, spec: OpSpec): OpExecutor {
  const { target, keys, deadlineMs } = ctx;
  const span = spec.span ?? 10;
  return async (j, conn) => {
    const r = spanRange(ctx, keys.index(j), span);
    await target.deleteRange(r.key, r.rangeEnd, deadlineMs, conn);
  };
}
