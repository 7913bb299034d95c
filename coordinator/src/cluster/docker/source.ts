/**
 * The docker provider as a ClusterSource: the cluster `cluster up -i` started on the Engine, by its
 * published endpoints (and, for TLS, its client certificate). `sweep --members` recreates it with
 * another size and empty data (`cluster restart N --wipe`).
 */
import type { Inventory } from '@etcdlab/common';
import pino from 'pino';
import type { ClusterInfo } from '../cluster-ops.js';
import { probeEndpoints } from '../external.js';
import { type ClusterSource, type ClusterTarget, clusterRecord } from '../target.js';
import { dockerConfig } from './config.js';
import { connectEngine } from './engine.js';
import { dockerClusterOps } from './index.js';
import { dockerMemberFaults } from './member-faults.js';

export function dockerSource(inv: Inventory): ClusterSource {
  let info: ClusterInfo | undefined;
  let version: string | undefined;
  const opsFor = (note: (l: string) => void = () => undefined, logger = pino({ level: 'silent' })) => dockerClusterOps({ inventory: inv, logger, dryRun: false, note });
  return {
    provider: 'docker',
    label: `docker cluster ${inv.cluster.name} (${inv.source})`,
    sizes: { min: 1, max: 7 },
    async precheck() {
      info = await opsFor().info();
      version = await probeEndpoints(info.clientEndpoints, info.tls);
    },
    async acquire(ctx): Promise<ClusterTarget> {
      if (ctx.members !== undefined) {
        ctx.note(`recreating docker cluster ${inv.cluster.name} with ${ctx.members} member(s) (empty data) ...`);
        info = await opsFor(ctx.note, ctx.logger).restart?.({ members: ctx.members, wipe: true });
        version = undefined;
      }
      const current = info ?? (info = await opsFor().info());
      version ??= current.etcdVersion ?? (await probeEndpoints(current.clientEndpoints, current.tls));
      const members = current.members.map((m) => ({ name: m.name, clientUrl: m.clientUrl, peerUrl: m.peerUrl }));
      const t = { provider: 'docker' as const, endpoints: current.clientEndpoints, members, ...(version ? { etcdVersion: version } : {}), ...(current.tls ? { tls: current.tls } : {}) };
      const cfg = dockerConfig(inv);
      const engine = await connectEngine(cfg.socket, cfg.source);
      return { ...t, record: clusterRecord(t, { inventory: inv.source }), manifestExtra: {}, ownMarkers: [], faults: dockerMemberFaults(engine, cfg.cluster, cfg.network, ctx.logger), release: async () => [] };
    },
  };
}
