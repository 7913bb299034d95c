import type { Problem } from '../errors.js';
import type { ParsedInventory } from './schema.js';

/**
 * Placement rules that keep results clean by construction: one etcd member per host, load agents off the
 * etcd hosts, no address twice, names unique. `allowColocation: true` waives the first two on purpose
 * (and the run manifest records it). Returns problems without the file (the caller adds it).
 */
export function placementProblems(inv: ParsedInventory): Omit<Problem, 'file'>[] {
  const out: Omit<Problem, 'file'>[] = [];
  const byName = new Map<string, number>();
  const byAddress = new Map<string, number>();
  inv.hosts.forEach((h, i) => {
    const sameName = byName.get(h.name);
    if (sameName !== undefined) out.push({ field: `hosts[${i}].name`, message: `duplicate host name "${h.name}" (also hosts[${sameName}])`, fix: 'give every host its own name' });
    else byName.set(h.name, i);
    // Addresses are canonical here (grammar.ts): ::1 and 0:0:0:0:0:0:0:1 are one; another SSH port is the same machine.
    const sameAddr = byAddress.get(h.address);
    if (sameAddr !== undefined)
      out.push({ field: `hosts[${i}].address`, message: `address ${h.address} is also hosts[${sameAddr}] (${inv.hosts[sameAddr]?.name})`, fix: 'list each machine once and give it all its roles (two SSH ports on one address are still one machine)' });
    else byAddress.set(h.address, i);
    const jump = h.ssh?.jumpHost ?? inv.ssh?.jumpHost;
    if (jump && jump.address === h.address) out.push({ field: `hosts[${i}].ssh.jumpHost.address`, message: `host ${h.name} is its own jump host`, fix: 'remove the jump host, or name the bastion the host is reached through' });
    const via = jump ? inv.hosts.findIndex((o) => o.address === jump.address) : -1;
    if (jump && via >= 0 && via !== i && (inv.hosts[via]?.ssh?.jumpHost ?? inv.ssh?.jumpHost))
      out.push({ field: `hosts[${i}].ssh.jumpHost.address`, message: `the jump host ${jump.address} is hosts[${via}], which is itself reached through a jump host`, fix: 'one hop only: reach the bastion directly (ssh.jumpHost on the others, none on it)' });
    const roles = new Set(h.roles);
    if (roles.size !== h.roles.length) out.push({ field: `hosts[${i}].roles`, message: 'a role is listed twice', fix: 'list each role once' });
    if (!inv.allowColocation && roles.has('etcd') && roles.has('agent'))
      out.push({
        field: `hosts[${i}].roles`,
        message: `host ${h.name} has both etcd and agent: the load generator would compete with the member for CPU and skew the results`,
        fix: 'put agents on their own hosts (the monitor role is fine on etcd hosts), or set allowColocation: true on purpose',
      });
  });
  if (inv.provider === 'ssh') {
    if (inv.hosts.length === 0) out.push({ field: 'hosts', message: 'the ssh provider needs hosts', fix: 'list your machines under hosts:' });
    const members = inv.hosts.filter((h) => h.roles.includes('etcd')).length;
    if (inv.hosts.length > 0 && members === 0) out.push({ field: 'hosts', message: 'no host has the etcd role', fix: 'give 1, 3, 5 or 7 hosts the role etcd' });
    if (members > 7) out.push({ field: 'hosts', message: `${members} etcd hosts; etcdlab manages 1 to 7 members`, fix: 'use at most 7 etcd hosts' });
    if (inv.cluster.members !== undefined && inv.cluster.members !== members)
      out.push({ field: 'cluster.members', message: `cluster.members is ${inv.cluster.members} but ${members} host(s) have the etcd role`, fix: 'remove cluster.members: with ssh the etcd hosts decide' });
    if (!inv.coordinator && inv.hosts.some((h) => h.roles.includes('agent') || h.roles.includes('monitor')))
      out.push({ field: 'coordinator', message: 'agents need the coordinator\'s address to dial', fix: 'add coordinator: { address: <this machine as the hosts see it> }' });
  }
  if (inv.cluster.clientPort === inv.cluster.peerPort) out.push({ field: 'cluster.peerPort', message: 'client and peer port are the same', fix: 'use e.g. clientPort 2379 and peerPort 2380' });
  const c = inv.coordinator;
  if (c && inv.hosts.some((h) => h.address === c.address && h.roles.includes('etcd')) && (c.port === inv.cluster.clientPort || c.port === inv.cluster.peerPort))
    out.push({ field: 'coordinator.port', message: `the coordinator port ${c.port} is an etcd port on the same address ${c.address}`, fix: 'choose another coordinator.port (the default is 7380)' });
  if (inv.provider === 'docker' && inv.cluster.basePort !== undefined) {
    const last = inv.cluster.basePort + 2 * (inv.cluster.members ?? 3) - 1;
    if (last > 65535) out.push({ field: 'cluster.basePort', message: `basePort ${inv.cluster.basePort} with ${inv.cluster.members ?? 3} members needs ports up to ${last}`, fix: `use a basePort of at most ${65535 - 2 * (inv.cluster.members ?? 3) + 1}` });
  }
  if (inv.cluster.electionTimeout < 5 * inv.cluster.heartbeat)
    out.push({ field: 'cluster.electionTimeout', message: `election timeout ${inv.cluster.electionTimeout} ms is under 5 x heartbeat (${inv.cluster.heartbeat} ms)`, fix: 'etcd requires at least 5x; its docs recommend about 10x the heartbeat' });
  return out;
}
