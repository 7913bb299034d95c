/**
 * An equivalent docker-compose.yml for users who prefer compose (pure): the same images, flags, labels,
 * loopback-only ports, named volumes, network and limits as `cluster up`, so `etcdlab cluster status -i`
 * also works on a cluster started by compose.
 */
import { stringify } from 'yaml';
import type { DockerClusterConfig } from './config.js';
import { ETCD_PATH, LABELS, memberEnv, memberFlags, memberLabels, TLS_DIR, VOLUME_MOUNT, type MemberSpec } from './members.js';
import { PUBLISH_IP } from './container-spec.js';

export interface ComposeInput {
  cfg: DockerClusterConfig;
  members: MemberSpec[];
  token: string;
  subnet: string;
  /** Folder (relative to the compose file) with one sub-folder of certificates per member, when TLS. */
  tlsDir?: string;
}

const NETWORK_KEY = 'cluster';

export function composeDocument(i: ComposeInput): Record<string, unknown> {
  const { cfg, members } = i;
  const services: Record<string, unknown> = {};
  const volumes: Record<string, unknown> = {};
  for (const m of members) {
    const mounts: unknown[] = [{ type: 'volume', source: m.volume, target: VOLUME_MOUNT }];
    if (cfg.tls && i.tlsDir) mounts.push({ type: 'bind', source: `./${i.tlsDir}/${m.name}`, target: TLS_DIR, read_only: true });
    services[m.name] = {
      image: cfg.image,
      container_name: m.container,
      hostname: m.container,
      entrypoint: [ETCD_PATH],
      command: memberFlags(cfg, m, { peers: members, state: 'new', token: i.token }),
      environment: memberEnv(cfg),
      ports: [`${PUBLISH_IP}:${m.host.client}:${cfg.clientPort}`, `${PUBLISH_IP}:${m.host.peer}:${cfg.peerPort}`],
      volumes: mounts,
      networks: [NETWORK_KEY],
      labels: memberLabels(cfg, m, i.token),
      stop_grace_period: '15s',
      ...(cfg.cpus !== undefined ? { cpus: cfg.cpus } : {}),
      ...(cfg.memory !== undefined ? { mem_limit: cfg.memory } : {}),
    };
    volumes[m.volume] = { name: m.volume, labels: { [LABELS.cluster]: cfg.cluster, [LABELS.member]: m.name } };
  }
  const network = cfg.networkGiven
    ? { name: cfg.network, external: true }
    : { name: cfg.network, driver: 'bridge', ipam: { config: [{ subnet: i.subnet }] }, labels: { [LABELS.cluster]: cfg.cluster } };
  return { services, volumes, networks: { [NETWORK_KEY]: network } };
}

export function composeYaml(i: ComposeInput): string {
  const head = [
    `# etcd cluster ${i.cfg.cluster}: ${i.members.length} member(s), written by \`etcdlab cluster generate\` from ${i.cfg.source}.`,
    '# Start: docker compose up -d   Stop: docker compose down (add -v to remove the data volumes)',
    `# Clients on this machine: ${i.members.map((m) => `${i.cfg.tls ? 'https' : 'http'}://127.0.0.1:${m.host.client}`).join(',')}`,
    ...(i.cfg.tls && i.tlsDir ? [`# TLS: client certificate and CA in ./${i.tlsDir}/client/`] : []),
    '',
  ];
  return head.join('\n') + stringify(composeDocument(i), { lineWidth: 0 });
}
