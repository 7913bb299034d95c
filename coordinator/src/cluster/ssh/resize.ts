/**
 * Another size for an ssh cluster (`sweep --members`): the first N hosts with the etcd role become the
 * members of a fresh cluster. Every member's service and data are removed first (a member keeps its
 * cluster's identity in its data), the agent services are left running.
 */
import { ErrorCodes, hostsWithRole, InputError, type Inventory } from '@etcdlab/common';
import type { ClusterInfo, ProviderContext } from '../cluster-ops.js';
import { sshClusterUp } from './cluster-up.js';
import { etcdServiceSpec } from './etcd-service.js';
import { hostLayout } from './layout.js';
import { sshMembers } from './members.js';
import { detectInit, privileged, ServiceManager } from './services.js';
import { withSessions } from './sessions.js';

/** The inventory with only its first `n` etcd hosts as members (pure): other hosts keep their other roles. */
export function withEtcdMembers(inv: Inventory, n: number): Inventory {
  const etcd = hostsWithRole(inv, 'etcd');
  if (n < 1 || n > etcd.length)
    throw new InputError(ErrorCodes.optionInvalid, `${inv.source} has ${etcd.length} etcd host(s); a cluster of ${n} cannot be made from them`, [
      { file: inv.source, field: 'hosts[].roles', message: `${etcd.length} host(s) with the etcd role`, fix: `sweep --members with sizes from 1 to ${etcd.length}, or add hosts with roles: [etcd]` },
    ]);
  const keep = new Set(etcd.slice(0, n).map((h) => h.name));
  const hosts = inv.hosts
    .map((h) => (h.roles.includes('etcd') && !keep.has(h.name) ? { ...h, roles: h.roles.filter((r) => r !== 'etcd') } : h))
    .filter((h) => h.roles.length > 0);
  return { ...inv, hosts };
}

/** Stops and removes every member of the full inventory (service and data); agents stay. */
export async function wipeSshMembers(ctx: ProviderContext): Promise<void> {
  const inv = ctx.inventory;
  const members = sshMembers(inv);
  await withSessions(inv, members.map((m) => m.host), { logger: ctx.logger, note: ctx.note, acceptNew: Boolean(ctx.acceptNew) }, (s) =>
    s.each('remove members', async (remote, task) => {
      const layout = hostLayout(remote.host);
      const mgr = new ServiceManager(remote, (await detectInit(remote)).mode, layout);
      const member = members.find((m) => m.name === remote.host.name);
      if (!member) return;
      await task.step('remove etcd service', () => mgr.remove(etcdServiceSpec(inv, member, layout, '')));
      await task.step('remove etcd data', () => remote.run('remove etcd files', privileged(remote, ['rm', '-rf', layout.etcdDir])));
    }),
  );
}

/** A fresh cluster of `n` members on the first n etcd hosts. */
export async function resizeSshCluster(ctx: ProviderContext, n: number): Promise<{ inventory: Inventory; info: ClusterInfo }> {
  const inventory = withEtcdMembers(ctx.inventory, n);
  await wipeSshMembers(ctx);
  const info = await sshClusterUp({ ...ctx, inventory });
  return { inventory, info };
}
