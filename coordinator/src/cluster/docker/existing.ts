/**
 * What a cluster has in the engine right now, found by its labels: member containers (running or not),
 * volumes and networks. Labels also carry each member's host ports, so a stopped cluster still knows them.
 */
import { unpackTar } from './tar.js';
import { call, readAll, isNotFound, type Engine } from './engine.js';
import { hostClientUrl, LABELS, TLS_DIR, type HostPorts } from './members.js';
import type { ClusterInfo } from '../cluster-ops.js';

export interface ExistingMember {
  index: number;
  name: string;
  container: string;
  id: string;
  running: boolean;
  /** Docker's words, e.g. "Exited (1) 3 seconds ago". */
  status: string;
  host: HostPorts;
  tls: boolean;
  token: string;
  config: string;
}

const filter = (cluster: string): string => JSON.stringify({ label: [`${LABELS.cluster}=${cluster}`] });

export async function existingMembers(engine: Engine, cluster: string): Promise<ExistingMember[]> {
  const list = await call('listing containers', () => engine.docker.listContainers({ all: true, filters: filter(cluster) }));
  return list
    .filter((c) => c.Labels[LABELS.member] !== undefined)
    .map((c) => ({
      index: Number(c.Labels[LABELS.index] ?? 0),
      name: c.Labels[LABELS.member] ?? '',
      container: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      id: c.Id,
      running: c.State === 'running',
      status: c.Status,
      host: { client: Number(c.Labels[LABELS.clientPort] ?? 0), peer: Number(c.Labels[LABELS.peerPort] ?? 0) },
      tls: c.Labels[LABELS.tls] === 'true',
      token: c.Labels[LABELS.token] ?? '',
      config: c.Labels[LABELS.config] ?? '',
    }))
    .sort((a, b) => a.index - b.index);
}

export async function clusterVolumes(engine: Engine, cluster: string): Promise<string[]> {
  const out = await call('listing volumes', () => engine.docker.listVolumes({ filters: filter(cluster) }));
  return (out.Volumes ?? []).map((v) => v.Name).sort();
}

export async function clusterNetworks(engine: Engine, cluster: string): Promise<{ id: string; name: string }[]> {
  const out = await call('listing networks', () => engine.docker.listNetworks({ filters: filter(cluster) }));
  return out.map((n) => ({ id: n.Id, name: n.Name }));
}

/** The client material kept in a member container (TLS_DIR), for etcdlab's own client. */
export async function readClientTls(engine: Engine, container: string): Promise<NonNullable<ClusterInfo['tls']>> {
  const archive = await call(`reading the certificates of ${container}`, async () => readAll(await engine.docker.getContainer(container).getArchive({ path: TLS_DIR })));
  const files = new Map(unpackTar(archive).map((f) => [f.path.replace(/^.*\//, ''), f.data.toString('utf8')]));
  const ca = files.get('ca.crt');
  const cert = files.get('client.crt');
  const key = files.get('client.key');
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** The cluster as clients on this machine see it. */
export async function infoFrom(engine: Engine, members: ExistingMember[], peerPort: number): Promise<ClusterInfo> {
  const tlsMember = members.find((m) => m.tls);
  const tls = tlsMember ? await readClientTls(engine, tlsMember.container) : undefined;
  const scheme = tlsMember ? 'https' : 'http';
  return {
    members: members.map((m) => ({ name: m.name, clientUrl: hostClientUrl({ tls: m.tls }, m), peerUrl: `${scheme}://${m.container}:${peerPort}` })),
    clientEndpoints: members.map((m) => hostClientUrl({ tls: m.tls }, m)),
    ...(tls ? { tls } : {}),
  };
}

/** Removes a container, ignoring one that is already gone. */
export async function removeContainer(engine: Engine, idOrName: string): Promise<void> {
  try {
    await engine.docker.getContainer(idOrName).remove({ force: true });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export async function removeVolume(engine: Engine, name: string): Promise<void> {
  try {
    await engine.docker.getVolume(name).remove();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
