/**
 * Deletes the keys a run wrote under its namespace (`etcdlab/<run-id>/`) at its end, so that a user's own
 * cluster is left as it was found (docs/results.md#keys-a-run-leaves). Bounded batches (a range of at
 * most 10,000 keys, then a delete of exactly that span), progress per 50,000, a limit on the time; keys
 * outside the prefix are never touched (an absolute key prefix or pattern writes outside it, and stays).
 */
import { EtcdClient, prefixRangeEnd } from '@etcdlab/agent/etcd';
import type { Logger } from 'pino';
import { etcdClientTls, type TlsMaterial } from '../cluster/target.js';

export interface KeyCleanup {
  prefix: string;
  deleted: number;
  batches: number;
  durationMs: number;
  /** Why it stopped before the prefix was empty. */
  error?: string;
}

export const CLEANUP_BATCH = 10_000;
const CLEANUP_LIMIT_MS = 10 * 60_000;
const CALL_DEADLINE_MS = 30_000;

export async function cleanRunKeys(o: { endpoints: readonly string[]; tls?: TlsMaterial; runId: string; logger: Logger; note(line: string): void; limitMs?: number }): Promise<KeyCleanup> {
  const prefix = `etcdlab/${o.runId}/`;
  const start = Date.now();
  const buffers = etcdClientTls(o.tls);
  const client = new EtcdClient({ endpoints: [...o.endpoints], connections: 1, ...(buffers ? { tls: buffers } : {}) });
  const out: KeyCleanup = { prefix, deleted: 0, batches: 0, durationMs: 0 };
  const end = prefixRangeEnd(Buffer.from(prefix));
  let next: Uint8Array = Buffer.from(prefix);
  let shown = 0;
  try {
    for (;;) {
      if (Date.now() - start > (o.limitMs ?? CLEANUP_LIMIT_MS)) {
        out.error = `stopped after ${((Date.now() - start) / 1000).toFixed(0)} s with keys left under ${prefix}`;
        break;
      }
      const page = await client.range({ key: next, rangeEnd: end, limit: CLEANUP_BATCH, keysOnly: true }, CALL_DEADLINE_MS);
      if (page.kvs.length === 0) break;
      const last = page.kvs[page.kvs.length - 1]?.key as Uint8Array;
      // The span [first, last] of this page exactly: one delete per page, never past the prefix.
      const after = Buffer.concat([Buffer.from(last), Buffer.from([0])]);
      out.deleted += await client.deleteRange(Buffer.from(page.kvs[0]?.key as Uint8Array), after, CALL_DEADLINE_MS);
      out.batches++;
      next = after;
      if (out.deleted - shown >= 50_000) {
        shown = out.deleted;
        o.note(`  cleaning up the run's keys: ${out.deleted.toLocaleString('en-US')} deleted so far`);
      }
      if (!page.more) break;
    }
  } catch (err) {
    out.error = (err as Error).message;
  } finally {
    await client.close().catch(() => undefined);
  }
  out.durationMs = Date.now() - start;
  o.logger.info(out, 'run keys cleaned');
  return out;
}
