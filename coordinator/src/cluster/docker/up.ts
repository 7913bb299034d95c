/**
 * `cluster up`: create a new cluster (network, one volume and one container per member) and wait until
 * every member is healthy, or start an existing one again. A failed creation removes what it created.
 */
import { randomBytes } from 'node:crypto';
import { ClusterError, ErrorCodes, EtcdlabError, InputError } from '@etcdlab/common';
import type { ClusterInfo } from '../cluster-ops.js';
import { warnEvenSize } from '../cluster-size.js';
import type { DockerClusterConfig } from './config.js';
import { createMember, ensureNetwork, nothingCreated, rollback, startContainers, type Created } from './create.js';
import type { Engine } from './engine.js';
import { existingMembers, infoFrom, type ExistingMember } from './existing.js';
import { waitHealthy } from './health.js';
import { ensureImage } from './images.js';
import { configHash, hostClientUrl, memberFlags, memberSpecs, type MemberSpec } from './members.js';
import { makeClusterPki } from './pki.js';
import { layoutPorts } from './port-plan.js';
import { choosePorts } from './port-probe.js';
import type { DockerSession } from './session.js';

export const START_TIMEOUT_MS = 60_000;

export const newToken = (cfg: DockerClusterConfig): string => cfg.token ?? `etcdlab-${cfg.cluster}-${randomBytes(4).toString('hex')}`;


/** A new member's client URL on this machine, before it exists as a container. */
const target = (cfg: DockerClusterConfig, m: MemberSpec) => ({ name: m.name, container: m.container, clientUrl: hostClientUrl(cfg, m) });

export function infoForSpecs(cfg: DockerClusterConfig, specs: MemberSpec[], tls: ClusterInfo['tls']): ClusterInfo {
  return {
    members: specs.map((m) => ({ name: m.name, clientUrl: hostClientUrl(cfg, m), peerUrl: `${cfg.tls ? 'https' : 'http'}://${m.container}:${cfg.peerPort}` })),
    clientEndpoints: specs.map((m) => hostClientUrl(cfg, m)),
    ...(tls ? { tls } : {}),
  };
}

/** Members of a cluster that exists, after checking they form etcd-1..etcd-N. */
function checkExisting(cfg: DockerClusterConfig, members: ExistingMember[]): void {
  const gap = members.findIndex((m, i) => m.index !== i + 1);
  if (gap >= 0) {
    throw new ClusterError(ErrorCodes.dockerFailed, `cluster ${cfg.cluster} has containers ${members.map((m) => m.name).join(', ')}: etcd-${gap + 1} is missing`, {
      problems: [{ file: cfg.source, field: 'cluster.name', message: 'a member container was removed outside etcdlab', fix: `\`etcdlab cluster restart ${members.length} -i ${cfg.source}\` recreates the members (data kept), or \`cluster clean\` starts over` }],
    });
  }
}

async function startExisting(s: DockerSession, engine: Engine, members: ExistingMember[], requested: number | undefined): Promise<ClusterInfo> {
  const { cfg, ctx } = s;
  if (requested !== undefined && requested !== members.length) {
    throw new InputError(ErrorCodes.optionInvalid, `cluster ${cfg.cluster} already has ${members.length} member(s); \`up ${requested}\` would change its size`, [
      { file: cfg.source, field: 'members', message: `${members.length} member container(s) exist`, fix: `\`etcdlab cluster restart ${requested} -i ${cfg.source}\` resizes it (data kept; --wipe starts empty)` },
    ]);
  }
  checkExisting(cfg, members);
  if (members.some((m) => m.config !== configHash(cfg))) ctx.note(`note: the inventory changed since cluster ${cfg.cluster} was created; \`cluster restart ${members.length}\` applies it`);
  const stopped = members.filter((m) => !m.running);
  if (ctx.dryRun) {
    ctx.note(stopped.length > 0 ? `would start ${stopped.map((m) => m.container).join(', ')}` : `cluster ${cfg.cluster} is running`);
    return infoFrom(engine, members, cfg.peerPort);
  }
  if (stopped.length > 0) {
    ctx.note(`starting ${stopped.length} stopped member(s) of cluster ${cfg.cluster}`);
    await startContainers(engine, stopped.map((m) => m.container));
  }
  const info = await infoFrom(engine, members, cfg.peerPort);
  const statuses = await waitHealthy(engine, members.map((m, i) => ({ name: m.name, container: m.container, clientUrl: info.clientEndpoints[i] as string })), info, { timeoutMs: START_TIMEOUT_MS, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  return { ...info, ...(statuses[0] ? { etcdVersion: statuses[0].version } : {}) };
}

/** Creates members `specs` (image present) as a brand-new cluster and waits until healthy; on failure removes what it created. */
export async function createCluster(s: DockerSession, engine: Engine, specs: MemberSpec[], token: string, created: Created = nothingCreated()): Promise<ClusterInfo> {
  const { cfg, ctx } = s;
  try {
    const pki = cfg.tls ? await makeClusterPki(cfg.cluster, specs) : undefined;
    await ensureNetwork(engine, cfg, created, ctx.note);
    for (const m of specs) await createMember(engine, cfg, m, { peers: specs, state: 'new', token }, pki, created, { volumeMayExist: false });
    await startContainers(engine, specs.map((m) => m.container));
    const info = infoForSpecs(cfg, specs, pki ? { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } : undefined);
    ctx.note(`waiting for ${specs.length} member(s) to be healthy ...`);
    const statuses = await waitHealthy(engine, specs.map((m) => target(cfg, m)), info, { timeoutMs: START_TIMEOUT_MS, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    return { ...info, ...(statuses[0] ? { etcdVersion: statuses[0].version } : {}) };
  } catch (err) {
    ctx.logger.error({ err }, 'docker cluster creation failed; removing what was created');
    await rollback(engine, created, (msg) => ctx.note(msg));
    throw err;
  }
}

export async function up(s: DockerSession, o: { members?: number }): Promise<ClusterInfo> {
  const { cfg, ctx } = s;
  if (ctx.dryRun) {
    // A plan is still worth printing without an engine: only existing containers and taken ports are unknown.
    const reachable = await s.engine().then(
      () => true,
      (err: unknown) => {
        if (!(err instanceof EtcdlabError) || err.code !== ErrorCodes.dockerUnavailable) throw err;
        ctx.note(`Docker Engine not reachable (${err.message}): the plan below does not know existing containers or taken ports`);
        return false;
      },
    );
    if (!reachable) return unverifiedPlan(s, o.members ?? cfg.defaultMembers);
  }
  const engine = await s.engine();
  const existing = await existingMembers(engine, cfg.cluster);
  if (existing.length > 0) return startExisting(s, engine, existing, o.members);

  const n = o.members ?? cfg.defaultMembers;
  warnEvenSize(n, ctx.note);
  if (!ctx.dryRun) await ensureImage({ engine, image: cfg.image, source: cfg.source, note: ctx.note });
  // Ports are settled before anything is created: a fixed port that is taken fails with nothing to undo.
  const { ports, moved } = await choosePorts(engine, cfg, n);
  for (const mv of moved) ctx.note(`${mv.member}: wanted ports ${mv.from.client}/${mv.from.peer} are taken (${mv.because}); using ${mv.to.client}/${mv.to.peer}`);
  const specs = memberSpecs(cfg, ports);
  const token = newToken(cfg);
  ctx.note(`cluster ${cfg.cluster}: ${n} member(s) of ${cfg.image}${cfg.tls ? ', TLS' : ''}; client ports ${ports.map((p) => p.client).join(', ')}`);
  if (ctx.dryRun) return printPlan(s, specs, token);
  return createCluster(s, engine, specs, token);
}

function printPlan(s: DockerSession, specs: MemberSpec[], token: string): ClusterInfo {
  for (const m of specs) s.ctx.note(`would create ${m.container} (volume ${m.volume}, ports 127.0.0.1:${m.host.client}/${m.host.peer}): etcd ${memberFlags(s.cfg, m, { peers: specs, state: 'new', token }).join(' ')}`);
  return infoForSpecs(s.cfg, specs, undefined);
}

/** The dry run's plan when the engine cannot be asked: the ports the scheme gives, unchecked. */
function unverifiedPlan(s: DockerSession, n: number): ClusterInfo {
  warnEvenSize(n, s.ctx.note);
  const specs = memberSpecs(s.cfg, layoutPorts(s.cfg.basePort, n));
  s.ctx.note(`cluster ${s.cfg.cluster}: ${n} member(s) of ${s.cfg.image}${s.cfg.tls ? ', TLS' : ''}; client ports ${specs.map((m) => m.host.client).join(', ')} (not checked)`);
  return printPlan(s, specs, newToken(s.cfg));
}
