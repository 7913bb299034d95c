/**
 * The Engine API body that creates one member's container (pure): image, flags, labels, ports published on
 * 127.0.0.1 only, the named volume, the cluster network and the resource limits.
 */
import type Docker from 'dockerode';
import type { DockerClusterConfig } from './config.js';
import { ETCD_PATH, memberEnv, memberFlags, memberLabels, VOLUME_MOUNT, type BootstrapOptions, type MemberSpec } from './members.js';

export const PUBLISH_IP = '127.0.0.1';

export function containerSpec(cfg: DockerClusterConfig, m: MemberSpec, boot: BootstrapOptions): Docker.ContainerCreateOptions {
  const client = `${cfg.clientPort}/tcp`;
  const peer = `${cfg.peerPort}/tcp`;
  return {
    name: m.container,
    Hostname: m.container,
    Image: cfg.image,
    Entrypoint: [ETCD_PATH],
    Cmd: memberFlags(cfg, m, boot),
    Env: memberEnv(cfg),
    Labels: memberLabels(cfg, m, boot.token),
    ExposedPorts: { [client]: {}, [peer]: {} },
    // etcd on SIGTERM hands leadership over; give it time before docker kills it.
    StopTimeout: 15,
    HostConfig: {
      PortBindings: {
        [client]: [{ HostIp: PUBLISH_IP, HostPort: String(m.host.client) }],
        [peer]: [{ HostIp: PUBLISH_IP, HostPort: String(m.host.peer) }],
      },
      Mounts: [{ Type: 'volume', Source: m.volume, Target: VOLUME_MOUNT }],
      NetworkMode: cfg.network,
      RestartPolicy: { Name: 'no' },
      // Bounded logs: a long load test must not fill the disk with member logs.
      LogConfig: { Type: 'json-file', Config: { 'max-size': '20m', 'max-file': '3' } },
      ...(cfg.cpus !== undefined ? { NanoCpus: Math.round(cfg.cpus * 1e9) } : {}),
      ...(cfg.memoryBytes !== undefined ? { Memory: cfg.memoryBytes } : {}),
    },
  };
}
