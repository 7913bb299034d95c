/** The local provider as a ClusterSource: a fresh cluster of child processes in each run's folder. */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type ClusterSource, type ClusterTarget, clusterRecord } from '../target.js';
import { startLocalCluster, MAX_MEMBERS, MIN_MEMBERS } from './cluster.js';
import { findEtcdBinary, type EtcdBinary } from './etcd-binary.js';
import { warnEvenSize } from '../cluster-size.js';

export interface LocalSourceOptions {
  /** Members when the run asks for no size. */
  members: number;
  basePort?: number;
}

export function localSource(o: LocalSourceOptions): ClusterSource {
  let etcd: EtcdBinary | undefined;
  return {
    provider: 'local',
    get label() {
      return `a local cluster (${etcd ? `${etcd.path}, ${etcd.version}` : 'etcd on PATH'})`;
    },
    sizes: { min: MIN_MEMBERS, max: MAX_MEMBERS },
    async precheck() {
      etcd = await findEtcdBinary();
    },
    async acquire(ctx): Promise<ClusterTarget> {
      const bin = etcd ?? (etcd = await findEtcdBinary());
      const members = ctx.members ?? o.members;
      ctx.note(`starting a ${members}-member etcd cluster (${bin.path}, ${bin.version}) ...`);
      warnEvenSize(members, ctx.note);
      const dir = join(ctx.runDir, 'cluster');
      const cluster = await startLocalCluster({ members, dir, etcdBin: bin.path, ...(o.basePort !== undefined ? { basePort: o.basePort } : {}), logger: ctx.logger, signal: ctx.signal, ...(ctx.links ? { links: ctx.links } : {}) });
      const t = { provider: 'local' as const, endpoints: cluster.clientEndpoints, members: cluster.members.map((m) => ({ name: m.name, clientUrl: m.clientUrl, peerUrl: m.peerUrl })), ...(cluster.etcdVersion ? { etcdVersion: cluster.etcdVersion } : {}) };
      return {
        ...t,
        record: clusterRecord(t, { etcdBinary: bin.path }),
        manifestExtra: {},
        ownMarkers: [],
        faults: cluster.faults,
        async release({ keep }) {
          if (!keep) {
            await cluster.stop();
            // The members' data is etcd's, not a result: removed with the cluster (the logs stay).
            let freed = 0;
            for (const m of cluster.members) if (m.dataDir) freed += await removeDataDir(m.dataDir, ctx.logger);
            ctx.logger.info({ freedBytes: freed }, 'cluster stopped; member data removed');
            return [];
          }
          cluster.detach();
          return [`cluster kept running (--keep). Client endpoints: ${cluster.clientEndpoints.join(',')}`, `stop it with: npx etcdlab cluster down --run-dir ${ctx.runDir} (or status, test, logs, restart, clean: docs/cluster-local.md)`];
        },
      };
    },
  };
}

/** Removes a member's data folder; returns about how many bytes it held (its files' sizes). */
async function removeDataDir(dir: string, logger: Logger): Promise<number> {
  const size = await folderBytes(dir).catch(() => 0);
  await rm(dir, { recursive: true, force: true }).catch((err: unknown) => logger.warn({ dir, err: String(err) }, 'member data not removed'));
  return size;
}

async function folderBytes(dir: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? await folderBytes(p) : (await stat(p)).size;
  }
  return total;
}
