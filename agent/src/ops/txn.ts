/**
 * Transactions: txn-put (N puts in one Txn, as etcd's benchmark txn-put) and the optimistic writes of
 * Kubernetes' storage layer: cas (put if the mod revision is the one last seen, else read the key),
 * create (put if absent) and cas-delete. A failed compare is not an error: it is recorded under
 * `<op>-miss`, and the read that comes back with it refreshes the agent's view of that key.
 */
import type { OpSpec } from '@etcdlab/common';
import type { TxnResponse } from '../etcd/proto-txn.js';
import type { OpContext, OpExecutor } from './types.js';

export function txnPut(ctx: OpContext, spec: OpSpec): OpExecutor {
  const { target, keys, values, revisions, deadlineMs } = ctx;
  const n = spec.ops ?? 1;
  return async (j, conn) => {
    // etcd refuses a transaction that puts one key twice: drawn keys are re-drawn until distinct.
    const picked = new Set<number>();
    const success = [];
    for (let t = 0; t < n; t++) {
      let i = keys.index(j, t);
      for (let tries = 0; picked.has(i) && tries < 100; tries++) i = keys.index(j, t);
      picked.add(i);
      success.push({ put: { key: Buffer.from(keys.key(i)), value: values.next() } });
    }
    const res = await target.txn({ compare: [], success }, deadlineMs, conn);
    revisions.seen(res.header?.revision);
  };
}

/** After a compare-guarded write: remember the key's new mod revision, or the one the failure read found. */
function learn(ctx: OpContext, key: string, res: TxnResponse, deleted: boolean): void {
  const rev = res.header?.revision ?? 0;
  if (res.succeeded) ctx.revisions.setModRevision(key, deleted ? 0 : rev);
  else ctx.revisions.setModRevision(key, res.responses[0]?.range?.kvs[0]?.modRevision ?? 0);
  ctx.revisions.seen(rev);
}

function guarded(ctx: OpContext, name: string, action: 'put' | 'create' | 'delete'): OpExecutor {
  const { target, keys, values, revisions, deadlineMs } = ctx;
  return async (j, conn) => {
    const keyText = keys.key(keys.index(j));
    const key = Buffer.from(keyText);
    const expected = action === 'create' ? 0 : revisions.modRevision(keyText);
    const op = action === 'delete' ? { deleteRange: { key } } : { put: { key, value: values.next() } };
    const res = await target.txn({ compare: [{ key, target: 'mod', result: 'equal', against: expected }], success: [op], failure: [{ range: { key } }] }, deadlineMs, conn);
    learn(ctx, keyText, res, action === 'delete');
    return res.succeeded ? undefined : `${name}-miss`;
  };
}

export const cas = (ctx: OpContext, _spec: OpSpec, name: string): OpExecutor => guarded(ctx, name, 'put');
export const create = (ctx: OpContext, _spec: OpSpec, name: string): OpExecutor => guarded(ctx, name, 'create');
export const casDelete = (ctx: OpContext, _spec: OpSpec, name: string): OpExecutor => guarded(ctx, name, 'delete');
