/** Builds the executor of every operation in an agent's mix (one module per operation family). */
import type { OpName, OpSpec } from '@etcdlab/common';
import { compact } from './compact.js';
import { del, deleteRange, get, put, range } from './kv.js';
import { leaseGrant, leaseKeepAlive, leaseRevoke, putLease } from './lease.js';
import { cas, casDelete, create, txnPut } from './txn.js';
import type { OpContext, OpExecutor } from './types.js';

/** A factory gets the entry's options and its name (what it records under, e.g. `<name>-miss`). */
const FACTORIES: Record<OpName, (ctx: OpContext, spec: OpSpec, name: string) => OpExecutor> = {
  put,
  get,
  delete: del,
  range,
  'delete-range': deleteRange,
  'txn-put': txnPut,
  cas,
  create,
  'cas-delete': casDelete,
  'lease-grant': leaseGrant,
  'lease-keepalive': leaseKeepAlive,
  'lease-revoke': leaseRevoke,
  'put-lease': putLease,
  compact,
};

/** Executors by entry name (an operation, or a label with its own `op`). */
export function buildExecutors(ctx: OpContext): Map<string, OpExecutor> {
  const out = new Map<string, OpExecutor>();
  for (const [name, spec] of Object.entries(ctx.plan.ops)) {
    if (spec.weight > 0) out.set(name, FACTORIES[spec.op](ctx, spec, name));
  }
  return out;
}
