import type { Inventory } from '@etcdlab/common';
import { etcdServiceName, type HostLayout } from './layout.js';
import type { SshMember } from './members.js';
import type { ServiceSpec } from './service-spec.js';
import { type HostFacts, nofileFor } from './host-facts.js';

/** Open files for a member: etcd keeps a socket per client connection and peer stream. */
export const ETCD_NOFILE = 65536;

/** The etcd member as a service: the binary with its configuration file; restart on failure, file limit, I/O priority. */
export function etcdServiceSpec(inv: Inventory, member: SshMember, layout: HostLayout, bin: string, facts?: Pick<HostFacts, 'nofileHard'>): ServiceSpec {
  return {
    name: etcdServiceName(inv),
    description: `etcdlab etcd member ${member.name} of cluster ${inv.cluster.name}`,
    execStart: [bin, '--config-file', layout.etcdConfig],
    workingDirectory: layout.etcdDir,
    marker: layout.etcdConfig,
    limitNoFile: facts ? nofileFor(ETCD_NOFILE, facts) : ETCD_NOFILE,
    ioBestEffort0: true,
    restartSec: 2,
  };
}
