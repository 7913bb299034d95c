import { posix } from 'node:path';
import type { Inventory, ResolvedHost } from '@etcdlab/common';

/**
 * Where etcdlab puts its files on a host, all under the host's workDir (so `clean` knows everything it
 * created), plus the systemd unit names. Pure: the same inventory always gives the same layout.
 *
 *   <workDir>/bin/etcdlab-svc.sh          fallback supervisor (hosts without a running systemd)
 *   <workDir>/etcd/bin/etcd, etcdctl      the member's binaries (not for source kind "host")
 *   <workDir>/etcd/etcd.conf.yml          its configuration (etcd --config-file)
 *   <workDir>/etcd/data/                  its data (removed by `clean` only)
 *   <workDir>/etcd/download/              release tarball while it is unpacked
 *   <workDir>/etcd/tls/                   ca.crt, server.crt, server.key (0600) when cluster.tls
 *   <workDir>/agent/etcdlab-agent.cjs     the bundled agent; agent/node when the runtime was uploaded
 *   <workDir>/agent/<role>.env            coordinator address and token (mode 0600)
 *   <workDir>/agent/<role>.log            the agent's JSON log
 *   <workDir>/run/<service>/              fallback pid files and the service's stdout/stderr log
 */
export interface HostLayout {
  workDir: string;
  svcScript: string;
  etcdDir: string;
  etcdBin: string;
  etcdctlBin: string;
  etcdConfig: string;
  etcdData: string;
  etcdDownload: string;
  etcdTls: string;
  agentDir: string;
  agentBundle: string;
  agentNode: string;
  runDir: string;
}

export function hostLayout(host: Pick<ResolvedHost, 'workDir'>): HostLayout {
  const w = posix.normalize(host.workDir).replace(/\/+$/, '') || '/';
  const j = (...p: string[]) => posix.join(w, ...p);
  return {
    workDir: w,
    svcScript: j('bin', 'etcdlab-svc.sh'),
    etcdDir: j('etcd'),
    etcdBin: j('etcd', 'bin', 'etcd'),
    etcdctlBin: j('etcd', 'bin', 'etcdctl'),
    etcdConfig: j('etcd', 'etcd.conf.yml'),
    etcdData: j('etcd', 'data'),
    etcdDownload: j('etcd', 'download'),
    etcdTls: j('etcd', 'tls'),
    agentDir: j('agent'),
    agentBundle: j('agent', 'etcdlab-agent.cjs'),
    agentNode: j('agent', 'node'),
    runDir: j('run'),
  };
}

/** Per-service folder of the fallback supervisor (pid files, stdout/stderr log). */
export const serviceRunDir = (layout: HostLayout, service: string): string => posix.join(layout.runDir, service);

/** systemd unit names carry the cluster name so two inventories can share a host without clashing. */
export const etcdServiceName = (inv: Pick<Inventory, 'cluster'>): string => `etcdlab-${inv.cluster.name}-etcd`;
export const agentServiceName = (inv: Pick<Inventory, 'cluster'>, role: 'agent' | 'monitor'): string => `etcdlab-${inv.cluster.name}-${role}`;
export const UNIT_DIR = '/etc/systemd/system';
export const unitPath = (service: string): string => posix.join(UNIT_DIR, `${service}.service`);
