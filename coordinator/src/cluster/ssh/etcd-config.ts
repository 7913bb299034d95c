import type { Inventory } from '@etcdlab/common';
import { stringify } from 'yaml';
import { hostLayout } from './layout.js';
import { initialCluster, type SshMember } from './members.js';

/** Keys etcdlab sets itself; extraFlags may not override them (the placement and layout depend on them). */
export const MANAGED_KEYS = new Set([
  'name', 'data-dir', 'listen-client-urls', 'listen-peer-urls', 'advertise-client-urls', 'initial-advertise-peer-urls',
  'initial-cluster', 'initial-cluster-token', 'initial-cluster-state', 'client-transport-security', 'peer-transport-security',
]);

export interface TlsPaths {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/**
 * The member's configuration file (`etcd --config-file`): a YAML map whose keys are etcd's flag names.
 * A file rather than flags on the command line: values never pass through a shell or a unit file's
 * quoting rules, and extraFlags map one to one onto keys. initial-cluster-state is `new` except while a
 * replaced member joins (`join`): a member restarted with a data folder ignores the initial-cluster settings.
 */
export function etcdConfig(inv: Inventory, member: SshMember, members: readonly SshMember[], tls?: TlsPaths, join?: { initialCluster: string }): Record<string, unknown> {
  const c = inv.cluster;
  const cfg: Record<string, unknown> = {
    name: member.name,
    'data-dir': hostLayout(member.host).etcdData,
    'listen-client-urls': member.listenClientUrl,
    'advertise-client-urls': member.clientUrl,
    'listen-peer-urls': member.listenPeerUrl,
    'initial-advertise-peer-urls': member.peerUrl,
    'initial-cluster': join ? join.initialCluster : initialCluster(members),
    'initial-cluster-token': c.token ?? `etcdlab-${c.name}`,
    'initial-cluster-state': join ? 'existing' : 'new',
    'heartbeat-interval': c.heartbeat,
    'election-timeout': c.electionTimeout,
    logger: 'zap',
    'log-outputs': ['stderr'],
  };
  if (c.quotaBackendBytes !== undefined) cfg['quota-backend-bytes'] = c.quotaBackendBytes;
  if (c.snapshotCount !== undefined) cfg['snapshot-count'] = c.snapshotCount;
  if (tls) {
    const side = { 'cert-file': tls.certFile, 'key-file': tls.keyFile, 'trusted-ca-file': tls.caFile, 'client-cert-auth': true };
    cfg['client-transport-security'] = side;
    cfg['peer-transport-security'] = side;
  }
  for (const [k, v] of Object.entries(c.extraFlags ?? {})) if (!MANAGED_KEYS.has(k)) cfg[k] = v;
  return cfg;
}

export const renderEtcdConfig = (cfg: Record<string, unknown>): string =>
  `# Written by etcdlab (cluster up); changes are overwritten. Keys are etcd's flag names.\n${stringify(cfg, { lineWidth: 0 })}`;
