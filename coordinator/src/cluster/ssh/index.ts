/** The `ssh` provider: etcd members as systemd services (or supervised processes) on the inventory's hosts. */
import { ErrorCodes, hostsWithRole, InputError } from '@etcdlab/common';
import type { ClusterInfo, ClusterOps, ClusterOpsFactory, ProviderContext } from '../cluster-ops.js';
import { sshClusterUp } from './cluster-up.js';
import { sshMemberFaults } from './member-faults.js';
import { sshMemberReplace } from './member-replace.js';
import { sshClusterClean, sshClusterDown, sshClusterInfo, sshClusterLogs, sshMemberStates } from './cluster-lifecycle.js';

export const sshClusterOps: ClusterOpsFactory = (ctx: ProviderContext): ClusterOps => ({
  provider: 'ssh',
  up: ({ members }) => upAll(ctx, members),
  info: () => sshClusterInfo(ctx),
  states: () => sshMemberStates(ctx),
  down: () => sshClusterDown(ctx),
  clean: () => sshClusterClean(ctx),
  logs: (member, o) => sshClusterLogs(ctx, member, o),
  replace: (member) => sshMemberReplace(ctx, member),
  faults: async () => sshMemberFaults(ctx.inventory, ctx.logger, Boolean(ctx.acceptNew)),
});

/**
 * An ssh cluster is the inventory's etcd hosts, all of them: `cluster up N` with another N is refused
 * (it used to be ignored, the plan and the cluster silently of the inventory's size).
 */
function upAll(ctx: ProviderContext, members: number | undefined): Promise<ClusterInfo> {
  const hosts = hostsWithRole(ctx.inventory, 'etcd').length;
  if (members !== undefined && members !== hosts)
    throw new InputError(ErrorCodes.optionInvalid, `${ctx.inventory.source} has ${hosts} etcd host(s): an ssh cluster is all of them`, [
      { file: ctx.inventory.source, field: '[members]', message: `cluster up ${members}`, fix: `cluster up -i ${ctx.inventory.source} (all ${hosts}); for other sizes give hosts the etcd role in the inventory, or sweep --members (which resizes between points)` },
    ]);
  return sshClusterUp(ctx);
}

export { sshMembers, type SshMember } from './members.js';
export { hostLayout, type HostLayout } from './layout.js';
export { HostSessions, withSessions, HOST_PARALLELISM } from './sessions.js';
export { ServiceManager, detectInit, type InitMode } from './services.js';
export { stateDir } from './state-dir.js';
