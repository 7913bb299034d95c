import { EtcdClient } from '@etcdlab/agent/etcd';
import type { Logger } from 'pino';
import { etcdClientTls, type TlsMaterial } from '../cluster/target.js';

export interface RevisionProbe {
  /** The cluster's current revision (a linearizable read's header), or undefined when no member answers. */
  read(): Promise<number | undefined>;
  close(): Promise<void>;
}

/**
 * Reads the cluster's revision around each phase: every write etcd acknowledges makes one, so the
 * difference is etcd's own count of the phase's writes, beside the agents' (the witness, docs/resilience.md).
 * Each endpoint is tried once, 3 s each; a cluster that does not answer leaves the witness unstated.
 */
export function revisionProbe(endpoints: readonly string[], tls: TlsMaterial | undefined, logger: Logger): RevisionProbe {
  const buffers = etcdClientTls(tls);
  const client = new EtcdClient({ endpoints: [...endpoints], connections: 1, ...(buffers ? { tls: buffers } : {}) });
  return {
    async read() {
      for (let attempt = 0; attempt < Math.max(1, endpoints.length); attempt++) {
        try {
          const revision = await client.currentRevision(3000);
          if (revision > 0) return revision; // etcd's revisions start at 1: 0 is a header that said nothing
        } catch (err) {
          logger.warn({ err: String(err), attempt }, 'revision probe: no answer');
        }
      }
      return undefined;
    },
    close: () => client.close(),
  };
}
