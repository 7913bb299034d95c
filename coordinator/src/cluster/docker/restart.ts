/**
 * `cluster restart N`: the cluster again with N members and fresh containers (so inventory changes apply).
 * --wipe: everything removed, then a new cluster. Otherwise data is kept: extra members are removed from
 * etcd's membership before their container and volume go, the kept members are recreated on their volumes,
 * and new members are added one at a time (member add, then start, then healthy) so quorum holds throughout.
 */
import { ClusterError, ErrorCodes, InputError } from '@etcdlab/common';
import type { ClusterInfo } from '../cluster-ops.js';
import { createMember, ensureNetwork, nothingCreated, startContainers } from './create.js';
import type { Engine } from './engine.js';
import { existingMembers, infoFrom, removeContainer, removeVolume, type ExistingMember } from './existing.js';
import { waitHealthy } from './health.js';
import { ensureImage } from './images.js';
import { hostClientUrl, memberSpecs, peerUrl, volumeName, type MemberSpec } from './members.js';
import { addMember, listMembers, removeMember } from './membership.js';
import { makeClusterPki, type ClusterPki } from './pki.js';
import { choosePorts } from './port-probe.js';
import type { DockerSession } from './session.js';
import { removeAll, stopMembers } from './teardown.js';
import { warnEvenSize } from '../cluster-size.js';
import { createCluster, infoForSpecs, newToken, START_TIMEOUT_MS, up } from './up.js';

function reconfigFailed(what: string, err: unknown, source: string): ClusterError {
  if (err instanceof ClusterError) return err;
  return new ClusterError(ErrorCodes.clusterUnhealthy, `${what}: ${(err as Error).message}`, {
    cause: err,
    problems: [{ field: 'restart', message: what, fix: `look at \`etcdlab cluster status -i ${source}\` and the member logs; \`cluster restart N --wipe\` starts over without data` }],
  });
}

async function shrink(s: DockerSession, engine: Engine, info: ClusterInfo, extra: ExistingMember[]): Promise<void> {
  const via = info.clientEndpoints[0] as string;
  for (const m of [...extra].reverse()) {
    try {
      const entry = (await listMembers(via, info.tls)).find((e) => e.name === m.name);
      if (entry) await removeMember(via, info.tls, entry.id);
    } catch (err) {
      throw reconfigFailed(`removing ${m.name} from the cluster's membership`, err, s.cfg.source);
    }
    await removeContainer(engine, m.id);
    await removeVolume(engine, volumeName(s.cfg.cluster, m.index));
    s.ctx.note(`removed ${m.name}`);
  }
}

/** Recreates the kept members on their volumes, then adds each new member. */
async function recreate(s: DockerSession, engine: Engine, specs: MemberSpec[], kept: number, token: string, pki: ClusterPki | undefined): Promise<ClusterInfo> {
  const { cfg, ctx } = s;
  const tls = pki ? { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } : undefined;
  const wait = (upTo: number) => {
    const live = specs.slice(0, upTo);
    return waitHealthy(engine, live.map((m) => ({ name: m.name, container: m.container, clientUrl: hostClientUrl(cfg, m) })), infoForSpecs(cfg, live, tls), { timeoutMs: START_TIMEOUT_MS, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  };
  const created = nothingCreated();
  for (const m of specs.slice(0, kept)) await createMember(engine, cfg, m, { peers: specs.slice(0, kept), state: 'existing', token }, pki, created, { volumeMayExist: true });
  await startContainers(engine, specs.slice(0, kept).map((m) => m.container));
  let statuses = await wait(kept);
  for (let k = kept; k < specs.length; k++) {
    const m = specs[k] as MemberSpec;
    const via = hostClientUrl(cfg, specs[0] as MemberSpec);
    let id: string;
    try {
      id = (await addMember(via, tls, peerUrl(cfg, m))).id;
    } catch (err) {
      throw reconfigFailed(`adding ${m.name} to the cluster's membership`, err, cfg.source);
    }
    try {
      await createMember(engine, cfg, m, { peers: specs.slice(0, k + 1), state: 'existing', token }, pki, created, { volumeMayExist: false });
      await startContainers(engine, [m.container]);
      statuses = await wait(k + 1);
    } catch (err) {
      // Undo this member so the others keep their quorum.
      await removeMember(via, tls, id).catch(() => undefined);
      await removeContainer(engine, m.container).catch(() => undefined);
      await removeVolume(engine, m.volume).catch(() => undefined);
      throw err;
    }
    ctx.note(`added ${m.name}`);
  }
  return { ...infoForSpecs(cfg, specs, tls), ...(statuses[0] ? { etcdVersion: statuses[0].version } : {}) };
}

export async function restart(s: DockerSession, o: { members: number; wipe: boolean }): Promise<ClusterInfo> {
  const { cfg, ctx } = s;
  const engine = await s.engine();
  const existing = await existingMembers(engine, cfg.cluster);
  if (existing.length === 0) {
    ctx.note(`cluster ${cfg.cluster} does not exist yet; creating it`);
    return up(s, { members: o.members });
  }
  warnEvenSize(o.members, ctx.note);
  if (ctx.dryRun) {
    ctx.note(`would recreate cluster ${cfg.cluster} with ${o.members} member(s) (now ${existing.length}), ${o.wipe ? 'wiping' : 'keeping'} data`);
    return infoFrom(engine, existing, cfg.peerPort);
  }
  await ensureImage({ engine, image: cfg.image, source: cfg.source, note: ctx.note });
  if (o.wipe) {
    const n = await removeAll(engine, cfg.cluster, { keepNetwork: true, keepAgents: true });
    ctx.note(`cluster ${cfg.cluster}: removed ${n.containers} container(s) and ${n.volumes} volume(s)`);
    return createCluster(s, engine, memberSpecs(cfg, (await choosePorts(engine, cfg, o.members)).ports), newToken(cfg));
  }

  // Membership changes need a working cluster: start it (and wait) first.
  await up(s, {});
  const info = await infoFrom(engine, existing, cfg.peerPort);
  const kept = Math.min(existing.length, o.members);
  // etcd keeps each member's peer URL in its data: a new scheme or peer port cannot apply to kept data.
  const wanted = memberSpecs(cfg, existing.map((m) => m.host));
  const stale = (await listMembers(info.clientEndpoints[0] as string, info.tls).catch(() => [])).filter((e) => {
    const spec = wanted.find((w) => w.name === e.name);
    return spec !== undefined && spec.index <= kept && !e.peerUrls.includes(peerUrl(cfg, spec));
  });
  if (stale.length > 0) {
    throw new InputError(ErrorCodes.optionInvalid, `cluster ${cfg.cluster}: cluster.tls or cluster.peerPort changed, which kept data cannot follow`, stale.map((e) => ({
      file: cfg.source, field: 'cluster.tls', message: `${e.name} is known to its peers as ${e.peerUrls.join(', ')}`, fix: `restart with --wipe (data removed), or set cluster.tls / cluster.peerPort back`,
    })));
  }
  await shrink(s, engine, info, existing.slice(kept));
  const keptMembers = existing.slice(0, kept);
  await stopMembers(engine, keptMembers.map((m) => ({ ...m, running: true })), cfg.peerPort);
  for (const m of keptMembers) await removeContainer(engine, m.id);

  await ensureNetwork(engine, cfg, nothingCreated(), ctx.note);
  const { ports, moved } = await choosePorts(engine, cfg, o.members);
  for (const mv of moved) ctx.note(`${mv.member}: wanted ports ${mv.from.client}/${mv.from.peer} are taken (${mv.because}); using ${mv.to.client}/${mv.to.peer}`);
  const specs = memberSpecs(cfg, ports);
  const pki = cfg.tls ? await makeClusterPki(cfg.cluster, specs) : undefined;
  ctx.note(`cluster ${cfg.cluster}: ${kept} member(s) recreated on their data, ${o.members - kept} to add`);
  return recreate(s, engine, specs, kept, existing[0]?.token || newToken(cfg), pki);
}
