/**
 * `down` (stop, keep everything) and `clean` (remove the cluster's containers, volumes and network, found by
 * label, so another cluster's objects are never touched). Members stop followers first, leader last: a
 * leader stopped together with its followers spends seconds trying to hand leadership over.
 */
import { clientFor } from '../../output/endpoint-status.js';
import type { ClusterInfo } from '../cluster-ops.js';
import { call, isNotFound, statusOf, type Engine } from './engine.js';
import { clusterNetworks, clusterVolumes, existingMembers, infoFrom, removeContainer, removeVolume, type ExistingMember } from './existing.js';
import type { DockerSession } from './session.js';
import { clusterAgentContainers } from '../../fleet/containers/agent-containers.js';

/** Names of running members that are the raft leader (empty when none answers). */
async function leaders(members: ExistingMember[], info: ClusterInfo): Promise<Set<string>> {
  const client = clientFor(info);
  try {
    const found = await Promise.all(members.map(async (m, i) => {
      const url = info.clientEndpoints[i] as string;
      try {
        const s = await client.status(url, 1500);
        return s.leader === s.memberId ? m.name : undefined;
      } catch {
        return undefined;
      }
    }));
    return new Set(found.filter((n): n is string => n !== undefined));
  } finally {
    await client.close();
  }
}

async function stopContainer(engine: Engine, name: string): Promise<void> {
  await call(`stopping ${name}`, async () => {
    try {
      await engine.docker.getContainer(name).stop({ t: 15 });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 304 && !isNotFound(err)) throw err; // 304: already stopped
    }
  });
}

/** Stops the given members, followers first and the leader last. */
export async function stopMembers(engine: Engine, members: ExistingMember[], peerPort: number): Promise<void> {
  const running = members.filter((m) => m.running);
  if (running.length === 0) return;
  const lead = await leaders(running, await infoFrom(engine, running, peerPort));
  await Promise.all(running.filter((m) => !lead.has(m.name)).map((m) => stopContainer(engine, m.container)));
  await Promise.all(running.filter((m) => lead.has(m.name)).map((m) => stopContainer(engine, m.container)));
}

export async function down(s: DockerSession): Promise<void> {
  const engine = await s.engine();
  const members = await existingMembers(engine, s.cfg.cluster);
  if (members.length === 0) return s.ctx.note(`cluster ${s.cfg.cluster}: no containers (nothing to stop)`);
  const running = members.filter((m) => m.running);
  if (s.ctx.dryRun) return s.ctx.note(`would stop ${running.map((m) => m.container).join(', ') || 'nothing (all stopped)'}`);
  await stopMembers(engine, members, s.cfg.peerPort);
  s.ctx.note(`cluster ${s.cfg.cluster}: stopped ${running.length} member(s); data kept (\`cluster up\` starts them again)`);
}

/**
 * Removes every container and volume labelled with the cluster, and its network when etcdlab made it.
 * keepAgents spares agent containers: a restart during a run must not take that run's load agents.
 */
export async function removeAll(engine: Engine, cluster: string, o: { keepNetwork: boolean; keepAgents?: boolean }): Promise<{ containers: number; volumes: number; networks: number }> {
  const members = await existingMembers(engine, cluster);
  for (const m of members) await call(`removing container ${m.container}`, () => removeContainer(engine, m.id));
  // Agent containers a run left behind (an interrupted coordinator): they carry the cluster label too.
  const agents = o.keepAgents ? [] : await clusterAgentContainers(engine, cluster);
  for (const id of agents) await call(`removing agent container ${id.slice(0, 12)}`, () => removeContainer(engine, id));
  const volumes = await clusterVolumes(engine, cluster);
  for (const v of volumes) await call(`removing volume ${v}`, () => removeVolume(engine, v));
  const networks = o.keepNetwork ? [] : await clusterNetworks(engine, cluster);
  let removed = 0;
  for (const n of networks) {
    await call(`removing network ${n.name}`, async () => {
      try {
        await engine.docker.getNetwork(n.id).remove();
        removed++;
      } catch (err) {
        // 403: other containers (a cluster sharing docker.network) still use it; it stays for them.
        if (!isNotFound(err) && statusOf(err) !== 403) throw err;
      }
    });
  }
  return { containers: members.length + agents.length, volumes: volumes.length, networks: removed };
}

export async function clean(s: DockerSession): Promise<void> {
  const engine = await s.engine();
  if (s.ctx.dryRun) {
    const [members, volumes, networks] = await Promise.all([existingMembers(engine, s.cfg.cluster), clusterVolumes(engine, s.cfg.cluster), clusterNetworks(engine, s.cfg.cluster)]);
    s.ctx.note(`would remove containers [${members.map((m) => m.container).join(', ')}], volumes [${volumes.join(', ')}], networks [${networks.map((n) => n.name).join(', ')}]`);
    return;
  }
  // No graceful stop: the data goes too, so a killed member loses nothing.
  const n = await removeAll(engine, s.cfg.cluster, { keepNetwork: false });
  s.ctx.note(`cluster ${s.cfg.cluster}: removed ${n.containers} container(s), ${n.volumes} volume(s), ${n.networks} network(s)`);
}
