/**
 * Names, labels and etcd flags of the members of a docker cluster (pure). Every Docker object etcdlab
 * creates carries the `etcdlab.cluster` label, so several clusters live side by side and `clean` removes
 * exactly its own.
 */
import { createHash } from 'node:crypto';
import type { DockerClusterConfig } from './config.js';

export const LABELS = {
  cluster: 'etcdlab.cluster',
  member: 'etcdlab.member',
  index: 'etcdlab.index',
  clientPort: 'etcdlab.client-port',
  peerPort: 'etcdlab.peer-port',
  tls: 'etcdlab.tls',
  token: 'etcdlab.token',
  config: 'etcdlab.config',
} as const;

/** Where the image keeps etcd (the official images and `etcdlab image build` agree). */
export const ETCD_PATH = '/usr/local/bin/etcd';
/** The member's named volume is mounted here; etcd's data dir is a folder inside (etcd wants it 0700). */
export const VOLUME_MOUNT = '/var/lib/etcd';
export const DATA_DIR = `${VOLUME_MOUNT}/data`;
/** The shell `cluster shell` runs (the built image carries it; distroless images have none). */
export const SHELL = '/bin/sh';
/** Certificates are copied into each container here before it starts. */
export const TLS_DIR = '/etc/etcdlab/tls';

export interface HostPorts {
  client: number;
  peer: number;
}

export interface MemberSpec {
  /** 1-based. */
  index: number;
  /** etcd member name: etcd-1 ... */
  name: string;
  /** Docker container name, also its host name on the cluster network. */
  container: string;
  volume: string;
  host: HostPorts;
}

export const memberName = (index: number): string => `etcd-${index}`;
export const containerName = (cluster: string, index: number): string => `${cluster}-etcd-${index}`;
export const volumeName = (cluster: string, index: number): string => `${cluster}-etcd-${index}-data`;

export function memberSpecs(cfg: DockerClusterConfig, ports: HostPorts[]): MemberSpec[] {
  return ports.map((host, i) => ({ index: i + 1, name: memberName(i + 1), container: containerName(cfg.cluster, i + 1), volume: volumeName(cfg.cluster, i + 1), host }));
}

const scheme = (cfg: DockerClusterConfig): string => (cfg.tls ? 'https' : 'http');
export const peerUrl = (cfg: DockerClusterConfig, m: MemberSpec): string => `${scheme(cfg)}://${m.container}:${cfg.peerPort}`;
/** URL for clients on this machine (published on loopback only). */
export const hostClientUrl = (cfg: { tls: boolean }, m: { host: HostPorts }): string => `${cfg.tls ? 'https' : 'http'}://127.0.0.1:${m.host.client}`;

export interface BootstrapOptions {
  /** Every member the cluster has once this one runs (this one included). */
  peers: MemberSpec[];
  /** new: bootstrap together; existing: join a running cluster (after a member add). */
  state: 'new' | 'existing';
  token: string;
}

/** The flags of one member, `--name=value` form. Bootstrap flags are ignored by etcd once the volume has data. */
export function memberFlags(cfg: DockerClusterConfig, m: MemberSpec, boot: BootstrapOptions): string[] {
  const s = scheme(cfg);
  const flags = [
    `--name=${m.name}`,
    `--data-dir=${DATA_DIR}`,
    `--listen-client-urls=${s}://0.0.0.0:${cfg.clientPort}`,
    `--advertise-client-urls=${s}://${m.container}:${cfg.clientPort}`,
    `--listen-peer-urls=${s}://0.0.0.0:${cfg.peerPort}`,
    `--initial-advertise-peer-urls=${peerUrl(cfg, m)}`,
    `--initial-cluster=${boot.peers.map((p) => `${p.name}=${peerUrl(cfg, p)}`).join(',')}`,
    `--initial-cluster-token=${boot.token}`,
    `--initial-cluster-state=${boot.state}`,
    `--heartbeat-interval=${cfg.heartbeatMs}`,
    `--election-timeout=${cfg.electionTimeoutMs}`,
    '--logger=zap',
  ];
  if (cfg.quotaBackendBytes !== undefined) flags.push(`--quota-backend-bytes=${cfg.quotaBackendBytes}`);
  if (cfg.snapshotCount !== undefined) flags.push(`--snapshot-count=${cfg.snapshotCount}`);
  if (cfg.tls) {
    flags.push(
      `--cert-file=${TLS_DIR}/member.crt`,
      `--key-file=${TLS_DIR}/member.key`,
      `--trusted-ca-file=${TLS_DIR}/ca.crt`,
      '--client-cert-auth=true',
      `--peer-cert-file=${TLS_DIR}/member.crt`,
      `--peer-key-file=${TLS_DIR}/member.key`,
      `--peer-trusted-ca-file=${TLS_DIR}/ca.crt`,
      '--peer-client-cert-auth=true',
    );
  }
  for (const [name, value] of Object.entries(cfg.extraFlags)) flags.push(`--${name}=${value}`);
  return flags;
}

/** etcdctl inside a member talks to the member itself; with TLS it presents the cluster's client certificate. */
export function memberEnv(cfg: DockerClusterConfig): string[] {
  const env = ['ETCDCTL_API=3', `ETCDCTL_ENDPOINTS=${scheme(cfg)}://127.0.0.1:${cfg.clientPort}`];
  if (cfg.tls) env.push(`ETCDCTL_CACERT=${TLS_DIR}/ca.crt`, `ETCDCTL_CERT=${TLS_DIR}/client.crt`, `ETCDCTL_KEY=${TLS_DIR}/client.key`);
  return env;
}

/**
 * A short hash of what a member's container is made of (image, settings, resources; not the bootstrap
 * flags, which change with the size): `up` compares it to say when the inventory changed since.
 */
export function configHash(cfg: DockerClusterConfig): string {
  const settings = {
    image: cfg.image, clientPort: cfg.clientPort, peerPort: cfg.peerPort, heartbeat: cfg.heartbeatMs, election: cfg.electionTimeoutMs,
    quota: cfg.quotaBackendBytes ?? null, snapshots: cfg.snapshotCount ?? null, tls: cfg.tls, extra: cfg.extraFlags,
    cpus: cfg.cpus ?? null, memory: cfg.memoryBytes ?? null,
  };
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 12);
}

export function memberLabels(cfg: DockerClusterConfig, m: MemberSpec, token: string): Record<string, string> {
  return {
    [LABELS.cluster]: cfg.cluster,
    [LABELS.member]: m.name,
    [LABELS.index]: String(m.index),
    [LABELS.clientPort]: String(m.host.client),
    [LABELS.peerPort]: String(m.host.peer),
    [LABELS.tls]: String(cfg.tls),
    [LABELS.token]: token,
    [LABELS.config]: configHash(cfg),
  };
}
