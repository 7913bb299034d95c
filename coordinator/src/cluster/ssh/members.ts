import { isIP } from 'node:net';
import { hostsWithRole, type Inventory, type ResolvedHost } from '@etcdlab/common';
import type { MemberInfo } from '../types.js';
import { hostLayout } from './layout.js';

/** One etcd member of an ssh inventory: one per host with the etcd role, named after the host. */
export interface SshMember extends MemberInfo {
  host: ResolvedHost;
  /** URLs the member binds to (its own address when that is an IP literal, else every address). */
  listenClientUrl: string;
  listenPeerUrl: string;
}

const urlHost = (address: string): string => (isIP(address) === 6 ? `[${address}]` : address);

/**
 * The members in inventory order. etcd binds only to IP literals, so a host given by name listens on
 * 0.0.0.0 and advertises its name; a host given by address binds to that address only (which is what
 * lets several members share one machine on loopback aliases in tests).
 */
export function sshMembers(inv: Inventory): SshMember[] {
  const scheme = inv.cluster.tls ? 'https' : 'http';
  return hostsWithRole(inv, 'etcd').map((host) => {
    const advertise = urlHost(host.address);
    const bind = isIP(host.address) ? advertise : '0.0.0.0';
    const layout = hostLayout(host);
    return {
      name: host.name,
      host,
      clientUrl: `${scheme}://${advertise}:${inv.cluster.clientPort}`,
      peerUrl: `${scheme}://${advertise}:${inv.cluster.peerPort}`,
      listenClientUrl: `${scheme}://${bind}:${inv.cluster.clientPort}`,
      listenPeerUrl: `${scheme}://${bind}:${inv.cluster.peerPort}`,
      dataDir: layout.etcdData,
    };
  });
}

/** `--initial-cluster`: name=peerURL for every member. */
export const initialCluster = (members: readonly SshMember[]): string => members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
