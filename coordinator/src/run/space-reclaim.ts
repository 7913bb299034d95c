/**
 * Gives etcd's disk space back after a run's keys were deleted (docs/results.md#keys-a-run-leaves): a
 * compaction at the current revision drops the deleted keys' history, and a defragmentation of each
 * member, one at a time so the others keep quorum and serve, rewrites its database file without the
 * free pages. Only on request: a defragmenting member blocks its reads and writes while it runs.
 */
import { EtcdClient } from '@etcdlab/agent/etcd';
import { etcdClientTls, type TlsMaterial } from '../cluster/target.js';

export interface MemberSpace {
  endpoint: string;
  /** The database file's size and the part in use, before and after (etcd's Maintenance/Status). */
  dbSizeBefore: number;
  dbSizeInUseBefore: number;
  dbSizeAfter: number;
  dbSizeInUseAfter: number;
}

export interface SpaceReclaim {
  /** The revision compacted to (0: no compaction). */
  compactedTo: number;
  defragmented: boolean;
  members: MemberSpace[];
  /** Sum over the members of the file sizes' drop (negative when they grew meanwhile). */
  freedBytes: number;
  durationMs: number;
  /** Why it stopped before the end. */
  error?: string;
}

const STATUS_DEADLINE_MS = 10_000;
const COMPACT_DEADLINE_MS = 120_000;
/** A member's defragmentation rewrites its whole file: minutes for a database of several GB. */
const DEFRAG_DEADLINE_MS = 10 * 60_000;

export async function reclaimSpace(o: { endpoints: readonly string[]; tls?: TlsMaterial; defrag: boolean; note(line: string): void }): Promise<SpaceReclaim> {
  const start = Date.now();
  const buffers = etcdClientTls(o.tls);
  const client = new EtcdClient({ endpoints: [...o.endpoints], connections: 1, ...(buffers ? { tls: buffers } : {}) });
  const out: SpaceReclaim = { compactedTo: 0, defragmented: false, members: [], freedBytes: 0, durationMs: 0 };
  try {
    const before = await Promise.all(o.endpoints.map((e) => client.status(e, STATUS_DEADLINE_MS)));
    const revision = await client.currentRevision(STATUS_DEADLINE_MS);
    if (revision > 1) {
      // physical: the call returns once the history is gone from the backend, so defrag sees the free pages.
      await client.compact(revision, true, COMPACT_DEADLINE_MS).catch((err: unknown) => {
        // Compacted to here already (by the cluster's own auto-compaction, or an earlier clean): fine.
        if (!/required revision has been compacted/.test((err as Error).message)) throw err;
      });
      out.compactedTo = revision;
      o.note(`  compacted to revision ${revision.toLocaleString('en-US')}`);
    }
    if (o.defrag) {
      for (const e of o.endpoints) {
        const t = Date.now();
        await client.defragment(e, DEFRAG_DEADLINE_MS);
        o.note(`  defragmented ${e} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
      out.defragmented = true;
    }
    const after = await Promise.all(o.endpoints.map((e) => client.status(e, STATUS_DEADLINE_MS)));
    out.members = o.endpoints.map((endpoint, i) => ({
      endpoint,
      dbSizeBefore: before[i]!.dbSize,
      dbSizeInUseBefore: before[i]!.dbSizeInUse,
      dbSizeAfter: after[i]!.dbSize,
      dbSizeInUseAfter: after[i]!.dbSizeInUse,
    }));
    out.freedBytes = out.members.reduce((s, m) => s + m.dbSizeBefore - m.dbSizeAfter, 0);
  } catch (err) {
    out.error = (err as Error).message;
  } finally {
    await client.close().catch(() => undefined);
  }
  out.durationMs = Date.now() - start;
  return out;
}

/** Decimal megabytes, as `dump` and the run's figures print them. */
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

/** One line per member and a total, for the terminal. */
export function describeReclaim(r: SpaceReclaim): string[] {
  const lines = r.members.map((m) => `  ${m.endpoint}: database ${mb(m.dbSizeBefore)} -> ${mb(m.dbSizeAfter)} (in use ${mb(m.dbSizeInUseBefore)} -> ${mb(m.dbSizeInUseAfter)})`);
  const what = r.defragmented ? 'compacted and defragmented' : 'compacted';
  lines.unshift(`space: ${what} in ${(r.durationMs / 1000).toFixed(1)} s; ${mb(Math.max(0, r.freedBytes))} of database files given back${r.defragmented ? '' : ' (the files shrink only with --defrag; the freed pages are reused)'}`);
  return lines;
}
