/**
 * Creating a cluster's Docker objects (network, volumes, member containers) and undoing exactly what was
 * created when a step fails.
 */
import { readFile } from 'node:fs/promises';
import { ClusterError, ErrorCodes } from '@etcdlab/common';
import type { DockerClusterConfig } from './config.js';
import { containerSpec } from './container-spec.js';
import { call, isNotFound, type Engine } from './engine.js';
import { removeContainer, removeVolume } from './existing.js';
import { LABELS, TLS_DIR, type BootstrapOptions, type MemberSpec } from './members.js';
import { memberTlsFiles, type ClusterPki } from './pki.js';
import { pickSubnet, routesFromProc } from './subnet.js';
import { packTar } from './tar.js';

/** Everything one operation created, so a failure removes exactly that. */
export interface Created {
  network?: string;
  volumes: string[];
  containers: string[];
}

export const nothingCreated = (): Created => ({ volumes: [], containers: [] });

/** The cluster network: reused when it exists (a user's own network stays untouched), else created on a free 198.18.x.0/24. */
export async function ensureNetwork(engine: Engine, cfg: DockerClusterConfig, created: Created, note: (l: string) => void): Promise<void> {
  try {
    await engine.docker.getNetwork(cfg.network).inspect();
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const networks = await call('listing networks', () => engine.docker.listNetworks());
  const used = networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')).filter(Boolean);
  // A local engine shares this machine's routing table: skip ranges already routed (namespaces, other daemons).
  if (engine.local) used.push(...routesFromProc(await readFile('/proc/net/route', 'utf8').catch(() => '')));
  const subnet = pickSubnet(cfg.cluster, used);
  if (!subnet) throw new ClusterError(ErrorCodes.dockerFailed, 'no free /24 left in 198.18.0.0/15 for the cluster network', { problems: [{ field: 'docker.network', message: 'every 198.18.x.0/24 is in use', fix: 'remove unused networks (`etcdlab cluster clean` for old clusters), or name an existing network in docker.network' }] });
  await call(`creating network ${cfg.network}`, () =>
    engine.docker.createNetwork({ Name: cfg.network, Driver: 'bridge', CheckDuplicate: true, Labels: { [LABELS.cluster]: cfg.cluster }, IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] } }),
  );
  created.network = cfg.network;
  note(`network ${cfg.network} (${subnet})`);
}

/** Creates a member's volume (which must not exist yet) and container; copies its certificates in. Does not start it. */
export async function createMember(engine: Engine, cfg: DockerClusterConfig, m: MemberSpec, boot: BootstrapOptions, pki: ClusterPki | undefined, created: Created, o: { volumeMayExist: boolean }): Promise<void> {
  const volume = await engine.docker.getVolume(m.volume).inspect().then((v) => v, (err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
  if (volume && !o.volumeMayExist) {
    const ours = volume.Labels?.[LABELS.cluster] === cfg.cluster;
    throw new ClusterError(ErrorCodes.dockerFailed, `volume ${m.volume} already exists${ours ? ' without its container (data of an earlier cluster)' : ' and is not etcdlab\'s'}`, {
      problems: [{ field: m.volume, message: 'a new member needs an empty volume', fix: ours ? `\`etcdlab cluster clean -i ${cfg.source}\` removes the leftovers of cluster ${cfg.cluster}` : `remove or rename that volume, or choose another cluster.name` }],
    });
  }
  if (!volume) {
    await call(`creating volume ${m.volume}`, () => engine.docker.createVolume({ Name: m.volume, Labels: { [LABELS.cluster]: cfg.cluster, [LABELS.member]: m.name } }));
    created.volumes.push(m.volume);
  }
  const container = await call(`creating container ${m.container}`, () => engine.docker.createContainer(containerSpec(cfg, m, boot)));
  created.containers.push(m.container);
  if (pki) {
    const dirs = ['etc', 'etc/etcdlab', TLS_DIR.slice(1)].map((path) => ({ path, type: 'dir' as const, mode: path === TLS_DIR.slice(1) ? 0o700 : 0o755 }));
    const files = memberTlsFiles(pki, m.name).map((f) => ({ path: `${TLS_DIR.slice(1)}/${f.name}`, mode: f.mode, data: Buffer.from(f.data) }));
    await call(`copying certificates into ${m.container}`, () => container.putArchive(packTar([...dirs, ...files]), { path: '/' }));
  }
}

export async function startContainers(engine: Engine, names: string[]): Promise<void> {
  await Promise.all(names.map((n) => call(`starting ${n}`, async () => {
    try {
      await engine.docker.getContainer(n).start();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 304) throw err; // 304: already running
    }
  })));
}

/** Removes what `created` lists, newest first; failures are logged, not thrown (the original error matters). */
export async function rollback(engine: Engine, created: Created, log: (msg: string) => void): Promise<void> {
  for (const c of [...created.containers].reverse()) await removeContainer(engine, c).catch((e: unknown) => log(`could not remove container ${c}: ${(e as Error).message}`));
  for (const v of [...created.volumes].reverse()) await removeVolume(engine, v).catch((e: unknown) => log(`could not remove volume ${v}: ${(e as Error).message}`));
  if (created.network) await engine.docker.getNetwork(created.network).remove().catch((e: unknown) => log(`could not remove network ${created.network}: ${(e as Error).message}`));
}
