/**
 * The durability check after a fault phase (docs/faults.md): every put etcd acknowledged that an agent
 * tracked is read back at the revision etcd gave it, and must be there with the value written. A put
 * whose revision was compacted since is read at the current revision and must not be older.
 */
import { EtcdClient } from '@etcdlab/agent/etcd';
import { type AckedPut, type DurabilityRecord, valueDigest } from '@etcdlab/common';
import { etcdClientTls, type TlsMaterial } from '../cluster/target.js';

const READ_DEADLINE_MS = 5000;
const PARALLEL = 16;
const EXAMPLES = 10;

const printable = (b: Buffer): string => (/^[\x20-\x7e]*$/.test(b.toString('latin1')) ? b.toString('latin1') : `base64:${b.toString('base64')}`);

export async function checkDurability(acked: readonly AckedPut[], endpoints: readonly string[], tls: TlsMaterial | undefined): Promise<DurabilityRecord> {
  const buffers = etcdClientTls(tls);
  const client = new EtcdClient({ endpoints: [...endpoints], connections: Math.min(4, endpoints.length), ...(buffers ? { tls: buffers } : {}) });
  const rec: DurabilityRecord = { checked: 0, lost: 0, changed: 0, unreadable: 0, compacted: 0, examples: [] };
  const problem = (a: AckedPut, what: string): void => {
    if (rec.examples.length < EXAMPLES) rec.examples.push({ key: printable(Buffer.from(a.key, 'base64')), revision: a.revision, problem: what });
  };
  const one = async (a: AckedPut): Promise<void> => {
    const key = Buffer.from(a.key, 'base64');
    rec.checked++;
    try {
      const r = await client.range({ key, revision: a.revision, limit: 1 }, READ_DEADLINE_MS);
      const kv = r.kvs[0];
      if (!kv || kv.modRevision !== a.revision) {
        rec.lost++;
        problem(a, kv ? `at revision ${a.revision} the key was last written at ${kv.modRevision}` : `missing at revision ${a.revision}`);
      } else if (valueDigest(kv.value) !== a.value) {
        rec.changed++;
        problem(a, `another value at revision ${a.revision}`);
      }
    } catch (err) {
      if (!/compacted/i.test(String((err as Error).message))) {
        rec.unreadable++;
        return;
      }
      rec.compacted++;
      const now = await client.range({ key, limit: 1 }, READ_DEADLINE_MS).catch(() => undefined);
      const kv = now?.kvs[0];
      // Gone now: a later delete may have removed it (its own revision is compacted): not counted as lost.
      if (kv && kv.modRevision < a.revision) {
        rec.lost++;
        problem(a, `compacted; now last written at ${kv.modRevision}, before the acknowledged ${a.revision}`);
      }
    }
  };
  try {
    for (let i = 0; i < acked.length; i += PARALLEL) await Promise.all(acked.slice(i, i + PARALLEL).map(one));
  } finally {
    await client.close();
  }
  return rec;
}
