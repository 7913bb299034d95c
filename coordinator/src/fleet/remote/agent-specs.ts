import { posix } from 'node:path';
import type { Inventory, ResolvedHost } from '@etcdlab/common';
import { type HostFacts, nofileFor } from '../../cluster/ssh/host-facts.js';
import { agentServiceName, type HostLayout } from '../../cluster/ssh/layout.js';
import type { ServiceSpec } from '../../cluster/ssh/service-spec.js';

export type AgentRole = 'agent' | 'monitor';

/** One agent service on a host: a load agent on hosts with role agent, a monitor on hosts with role monitor. */
export interface RemoteAgent {
  host: ResolvedHost;
  role: AgentRole;
  /** The id it presents to the coordinator: the host name for a load agent, `<host>-monitor` for a monitor. */
  id: string;
}

export const agentIdFor = (host: Pick<ResolvedHost, 'name'>, role: AgentRole): string => (role === 'agent' ? host.name : `${host.name}-monitor`);

/** Every agent service the inventory asks for, in host order. */
export function remoteAgents(inv: Inventory): RemoteAgent[] {
  return inv.hosts.flatMap((host) => (['agent', 'monitor'] as const).filter((r) => host.roles.includes(r)).map((role) => ({ host, role, id: agentIdFor(host, role) })));
}

/** Hosts that run at least one agent service. */
export const agentHosts = (inv: Inventory): ResolvedHost[] => inv.hosts.filter((h) => h.roles.includes('agent') || h.roles.includes('monitor'));

export const coordinatorUrl = (inv: Inventory): string | undefined => (inv.coordinator ? `http://${inv.coordinator.address.includes(':') ? `[${inv.coordinator.address}]` : inv.coordinator.address}:${inv.coordinator.port}` : undefined);

export const AGENT_NOFILE = 65536;

export const agentLogFile = (layout: HostLayout, role: AgentRole): string => posix.join(layout.agentDir, `${role}.log`);
/** The durable spool: reports not yet acknowledged, resent by the next agent process after a restart or reboot. */
export const agentSpoolDir = (layout: HostLayout, role: AgentRole): string => posix.join(layout.agentDir, `${role}.spool`);
export const agentEnvFile = (layout: HostLayout, role: AgentRole): string => posix.join(layout.agentDir, `${role}.env`);

/**
 * The agent as a service. The coordinator's address and the token live in the env file (mode 0600);
 * the token never appears on a command line. --orphan-timeout 0: a service agent waits for a
 * coordinator forever and reconnects by itself whenever one listens; systemd restarts it (RestartSec 2)
 * and the new process resends its spool and rejoins the phase in progress (docs/resilience.md).
 */
export function agentServiceSpec(
  inv: Inventory,
  a: RemoteAgent,
  layout: HostLayout,
  o: { node?: string; token?: string; facts?: Pick<HostFacts, 'nofileHard'> } = {},
): ServiceSpec {
  const url = coordinatorUrl(inv) ?? '';
  return {
    name: agentServiceName(inv, a.role),
    description: `etcdlab ${a.role === 'agent' ? 'load agent' : 'monitor agent'} ${a.id} (cluster ${inv.cluster.name})`,
    execStart: [o.node ?? layout.agentNode, layout.agentBundle, '--coordinator', '${ETCDLAB_COORDINATOR}', '--id', a.id, '--role', a.role, '--log-file', agentLogFile(layout, a.role), '--orphan-timeout', '0', '--spool-dir', agentSpoolDir(layout, a.role)],
    workingDirectory: layout.agentDir,
    env: { ETCDLAB_COORDINATOR: url, ETCDLAB_TOKEN: o.token ?? '' },
    envFile: agentEnvFile(layout, a.role),
    publicEnv: ['ETCDLAB_COORDINATOR'],
    marker: agentLogFile(layout, a.role),
    limitNoFile: o.facts ? nofileFor(AGENT_NOFILE, o.facts) : AGENT_NOFILE,
    ioBestEffort0: false,
    restartSec: 2,
  };
}
