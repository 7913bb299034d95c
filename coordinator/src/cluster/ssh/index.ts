/** The `ssh` provider: etcd members as systemd services (or supervised processes) on the inventory's hosts. */
import type { ClusterOps, ClusterOpsFactory, ProviderContext } from '../cluster-ops.js';
import { sshClusterUp } from './cluster-up.js';
import { sshMemberReplace } from './member-replace.js';
import { sshClusterClean, sshClusterDown, sshClusterInfo, sshClusterLogs, sshMemberStates } from './cluster-lifecycle.js';

export const sshClusterOps: ClusterOpsFactory = (ctx: ProviderContext): ClusterOps => ({
  provider: 'ssh',
  up: () => sshClusterUp(ctx),
  info: () => sshClusterInfo(ctx),
  states: () => sshMemberStates(ctx),
  down: () => sshClusterDown(ctx),
  clean: () => sshClusterClean(ctx),
  logs: (member, o) => sshClusterLogs(ctx, member, o),
  replace: (member) => sshMemberReplace(ctx, member),
});

export { sshMembers, type SshMember } from './members.js';
export { hostLayout, type HostLayout } from './layout.js';
export { HostSessions, withSessions, HOST_PARALLELISM } from './sessions.js';
export { ServiceManager, detectInit, type InitMode } from './services.js';
export { stateDir } from './state-dir.js';
