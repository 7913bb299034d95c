/**
 * The ssh provider as a ClusterSource: the members `cluster up -i` deployed on the inventory's hosts.
 * Before a run, faults a dead coordinator left are cleared, then every member must be healthy; the hosts
 * are checked (dedicated, quiet) and the checks go into the manifest. `sweep --members` recreates the cluster on the first N etcd hosts.
 */
import { ClusterError, ErrorCodes, hostsWithRole, type Inventory } from '@etcdlab/common';
import pino from 'pino';
import type { ClusterInfo, ProviderContext } from '../cluster-ops.js';
import { awaitHealthy } from '../await-healthy.js';
import { type ClusterSource, type ClusterTarget, clusterRecord } from '../target.js';
import { sshClusterInfo } from './cluster-lifecycle.js';
import { recoverLeftFaults } from './fault-recovery.js';
import { hostChecksForRun, type RunHostChecks } from './host-record.js';
import { sshMemberFaults } from './member-faults.js';
import { memberHealth } from './probes.js';
import { resizeSshCluster } from './resize.js';

/** Where the members and agents are, and whether a placement rule was waived on purpose (recorded in the manifest). */
export function placementRecord(inv: Inventory): Record<string, unknown> {
  const colocated = inv.hosts.filter((h) => h.roles.includes('etcd') && h.roles.includes('agent')).map((h) => h.name);
  return { allowColocation: inv.allowColocation, colocated, hosts: inv.hosts.map((h) => ({ name: h.name, address: h.address, roles: h.roles })) };
}

/** The inventory as recorded: what was asked for, without anything secret (it holds paths, never keys). */
export const inventoryRecord = (inv: Inventory): Record<string, unknown> => ({ ...inv, hosts: inv.hosts.map((h) => ({ ...h })) });

/** One line per host that is not ok, and a summary (the details are in the manifest). */
export function hostCheckLines(c: RunHostChecks): string[] {
  if (!('report' in c)) return [`host checks: short probe only (${c.hosts.filter((h) => h.reachable).length}/${c.hosts.length} reachable)`];
  const { summary, hosts } = c.report;
  return [
    `host checks: ${summary.ok} ok, ${summary.warn} warn, ${summary.fail} fail (recorded in the manifest)`,
    ...hosts.filter((h) => h.verdict !== 'ok').map((h) => `  ${h.verdict} ${h.name}: ${h.reasons.map((r) => r.message).join('; ')}`),
  ];
}

/** How long a run waits for sick members before refusing: an election after a healed fault takes seconds. */
export const HEALTH_SETTLE_MS = 20_000;

/** Every member answers /health (within HEALTH_SETTLE_MS), or a coded error naming the sick ones (nothing was started). */
async function requireHealthy(info: ClusterInfo, inventoryFile: string, note?: (line: string) => void): Promise<void> {
  const probe = () => Promise.all(info.clientEndpoints.map(async (e) => [e, await memberHealth(e, info.tls, 3000)] as const));
  const sick = await awaitHealthy(probe, { timeoutMs: HEALTH_SETTLE_MS, pollMs: 1000, ...(note ? { note } : {}) });
  if (sick.length > 0)
    throw new ClusterError(ErrorCodes.clusterUnhealthy, `${sick.length} of ${info.clientEndpoints.length} member(s) are not healthy after ${HEALTH_SETTLE_MS / 1000} s; nothing was started`, {
      problems: sick.map(([e, h]) => ({ field: e, message: h.detail, fix: `etcdlab cluster status -i ${inventoryFile} (cluster up -i brings it up)` })),
    });
}

export function sshSource(inv: Inventory, o: { acceptNew?: boolean } = {}): ClusterSource {
  const quiet = pino({ level: 'silent' });
  const ctxOf = (logger = quiet, note: (l: string) => void = () => undefined): ProviderContext => ({ inventory: inv, logger, dryRun: false, note, acceptNew: Boolean(o.acceptNew) });
  let info: ClusterInfo | undefined;
  return {
    provider: 'ssh',
    label: `cluster ${inv.cluster.name} (${inv.source})`,
    sizes: { min: 1, max: hostsWithRole(inv, 'etcd').length },
    async precheck(note = (l: string) => void process.stderr.write(`${l}\n`)) {
      // First what a coordinator that died during a fault left (a paused member, a fault table): it
      // would fail the health check below, or distort a run without faults unseen (docs/faults.md).
      const cleared = await recoverLeftFaults(inv, { logger: quiet, note: () => undefined, acceptNew: Boolean(o.acceptNew) });
      for (const line of cleared) note(line);
      info = await sshClusterInfo(ctxOf());
      await requireHealthy(info, inv.source, note);
    },
    async acquire(ctx): Promise<ClusterTarget> {
      let used = inv;
      if (ctx.members !== undefined) {
        ctx.note(`recreating cluster ${inv.cluster.name} with ${ctx.members} member(s) (empty data) ...`);
        const r = await resizeSshCluster(ctxOf(ctx.logger, ctx.note), ctx.members);
        used = r.inventory;
        info = r.info;
      }
      const current = info ?? (info = await sshClusterInfo(ctxOf()));
      ctx.note(`checking ${used.hosts.length} host(s) ...`);
      const hostChecks = await hostChecksForRun(used, ctx.logger, Boolean(o.acceptNew));
      for (const line of hostCheckLines(hostChecks)) ctx.note(line);
      const members = current.members.map((m) => ({ name: m.name, clientUrl: m.clientUrl, peerUrl: m.peerUrl }));
      const t = { provider: 'ssh' as const, endpoints: current.clientEndpoints, members, ...(current.etcdVersion ? { etcdVersion: current.etcdVersion } : {}), ...(current.tls ? { tls: current.tls } : {}) };
      return {
        ...t,
        record: clusterRecord(t, { name: inv.cluster.name, inventory: inv.source }),
        manifestExtra: { inventory: inventoryRecord(used), placement: placementRecord(used), hostChecks, members: hostsWithRole(used, 'etcd').map((h) => h.name) },
        ownMarkers: used.hosts.map((h) => h.workDir),
        faults: sshMemberFaults(used, ctx.logger, Boolean(o.acceptNew)),
        release: async () => [],
      };
    },
  };
}
