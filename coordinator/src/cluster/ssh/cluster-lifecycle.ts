import { posix } from 'node:path';
import { ErrorCodes, InputError, type Inventory } from '@etcdlab/common';
import { agentServiceSpec, remoteAgents, type AgentRole } from '../../fleet/remote/agent-specs.js';
import type { HostStepContext, RemoteHost } from '../../ssh/index.js';
import type { ClusterInfo, MemberState, ProviderContext } from '../cluster-ops.js';
import { clusterInfoOf } from './cluster-up.js';
import { etcdServiceSpec } from './etcd-service.js';
import { WORKDIR_MARKER } from './install-etcd.js';
import { agentServiceName, etcdServiceName, hostLayout, unitPath } from './layout.js';
import { type SshMember, sshMembers } from './members.js';
import { recoverMembers } from './fault-recovery.js';
import { loadPki, removePki } from './pki.js';
import { memberIsLeader, memberVersion } from './probes.js';
import { detectInit, privileged, ServiceManager } from './services.js';
import { HostSessions, withSessions } from './sessions.js';
import { assertSshInventory } from './validate.js';

type Ctx = ProviderContext;
const sessionOpts = (ctx: Ctx) => ({ logger: ctx.logger, note: ctx.note, acceptNew: Boolean(ctx.acceptNew) });

async function managerFor(remote: RemoteHost): Promise<ServiceManager> {
  return new ServiceManager(remote, (await detectInit(remote)).mode, hostLayout(remote.host));
}

const etcdSpecFor = (inv: Inventory, m: SshMember) => etcdServiceSpec(inv, m, hostLayout(m.host), '');

export async function sshClusterInfo(ctx: Ctx): Promise<ClusterInfo> {
  const members = sshMembers(ctx.inventory);
  const pki = ctx.inventory.cluster.tls ? await loadPki(ctx.inventory, members) : undefined;
  const tls = clusterInfoOf(ctx.inventory, undefined, pki).tls;
  let version: string | undefined;
  for (const m of members) if ((version = await memberVersion(m.clientUrl, tls))) break;
  return clusterInfoOf(ctx.inventory, version, pki);
}

/** The service state of every member; an unreachable host is reported as such, not thrown. */
export async function sshMemberStates(ctx: Ctx): Promise<MemberState[]> {
  const inv = ctx.inventory;
  const members = sshMembers(inv);
  const { sessions, unreachable } = await HostSessions.openReachable(inv, members.map((m) => m.host), sessionOpts(ctx));
  try {
    return await Promise.all(
      members.map(async (m): Promise<MemberState> => {
        const base = { name: m.name, where: `${m.host.address}`, clientUrl: m.clientUrl };
        const err = unreachable.get(m.name);
        if (err) return { ...base, state: 'unreachable', detail: err.message };
        try {
          const mgr = await managerFor(sessions.get(m.name));
          const st = await mgr.state(etcdSpecFor(inv, m));
          const detail = [mgr.mode === 'fallback' ? 'fallback supervisor' : 'systemd', st.pid ? `pid ${st.pid}` : '', st.detail ?? ''].filter(Boolean).join(', ');
          return { ...base, state: st.state, detail };
        } catch (e) {
          return { ...base, state: 'unknown', detail: (e as Error).message };
        }
      }),
    );
  } finally {
    await sessions.close();
  }
}

/** Undoes faults a dead coordinator left, then stops every member (followers first, then the leader, so the leader does not wait for a transfer), keeps data. */
export async function sshClusterDown(ctx: Ctx): Promise<void> {
  const inv = ctx.inventory;
  assertSshInventory(inv);
  const members = sshMembers(inv);
  if (ctx.dryRun) {
    ctx.note(`plan: stop ${members.length} member(s) of cluster ${inv.cluster.name} (followers first, then the leader); data stays. Nothing will be changed (--dry-run)`);
    for (const m of members) ctx.note(`[${m.name}] delete the etcdlab fault tables (nftables), SIGCONT, then stop ${etcdServiceName(inv)} (systemd: disable --now; fallback: supervisor, then etcd)`);
    return;
  }
  await withSessions(inv, members.map((m) => m.host), sessionOpts(ctx), async (s) => {
    for (const line of await recoverMembers(inv, s)) ctx.note(line);
    await stopMembers(inv, s);
  });
}

/** Followers in parallel, then the leader (found from etcd's own metrics; none found: all at once). */
async function stopMembers(inv: Inventory, s: HostSessions): Promise<void> {
  const members = sshMembers(inv);
  const pki = inv.cluster.tls ? await loadPki(inv, members) : undefined;
  const tls = pki ? { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } : undefined;
  const leaders = new Set((await Promise.all(members.map(async (m) => ((await memberIsLeader(m.clientUrl, tls)) ? m.name : undefined)))).filter(Boolean));
  const stop = (remote: RemoteHost, task: HostStepContext) =>
    task.step('stop etcd', async () => (await managerFor(remote)).stop(etcdSpecFor(inv, members.find((m) => m.name === remote.host.name) as SshMember)));
  const memberRemotes = s.remotes.filter((r) => members.some((m) => m.name === r.host.name));
  await s.each('stop members', stop, memberRemotes.filter((r) => !leaders.has(r.host.name)));
  await s.each('stop members', stop, memberRemotes.filter((r) => leaders.has(r.host.name)));
}

/**
 * Removes everything etcdlab made on every host of the inventory: fault tables a dead coordinator left,
 * agent and member services (units or supervisors), their files, the data, and the work directory when
 * etcdlab created it.
 */
export async function sshClusterClean(ctx: Ctx): Promise<void> {
  const inv = ctx.inventory;
  assertSshInventory(inv);
  if (ctx.dryRun) {
    ctx.note(`plan: remove everything etcdlab made for cluster ${inv.cluster.name}; nothing will be changed (--dry-run)`);
    for (const h of inv.hosts) {
      const l = hostLayout(h);
      ctx.note(`[${h.name}] ${h.roles.includes('etcd') ? 'delete the etcdlab fault tables (nftables), SIGCONT the member, ' : ''}stop and remove ${etcdServiceName(inv)}, ${agentServiceName(inv, 'agent')}, ${agentServiceName(inv, 'monitor')} (units in ${posix.dirname(unitPath('x'))} or fallback supervisors)`);
      ctx.note(`[${h.name}] remove ${l.etcdDir} (data included), ${l.agentDir}, ${l.runDir}, ${l.svcScript}; then ${l.workDir} if empty`);
    }
    return;
  }
  // Every host answers first (nothing is removed anywhere otherwise); members stop leader last; then each host is emptied.
  await withSessions(inv, inv.hosts, sessionOpts(ctx), async (s) => {
    for (const line of await recoverMembers(inv, s)) ctx.note(line);
    await stopMembers(inv, s);
    await s.each('cluster clean', (remote, task) => cleanHost(inv, remote, task));
  });
  await removePki(inv);
}

export async function cleanHost(inv: Inventory, remote: RemoteHost, task: HostStepContext): Promise<void> {
  const mgr = await managerFor(remote);
  const layout = hostLayout(remote.host);
  for (const role of ['agent', 'monitor'] as AgentRole[]) {
    const spec = agentServiceSpec(inv, { host: remote.host, role, id: role }, layout);
    if ((await mgr.state(spec)).state !== 'missing' || mgr.mode === 'fallback') await task.step(`remove ${role} service`, () => mgr.remove(spec));
  }
  const member = sshMembers(inv).find((m) => m.name === remote.host.name);
  const etcdSpec = etcdServiceSpec(inv, member ?? ({ name: remote.host.name, host: remote.host } as SshMember), layout, '');
  await task.step('remove etcd service', () => mgr.remove(etcdSpec));
  if ((await remote.exec(['test', '-d', layout.workDir])).code !== 0) return;
  const marked = (await remote.exec(['test', '-f', posix.join(layout.workDir, WORKDIR_MARKER)])).code === 0;
  if (!marked) {
    task.note(`${layout.workDir} has no ${WORKDIR_MARKER}: etcdlab did not make it; its files are left alone`);
    return;
  }
  await task.step('remove files and data', () =>
    remote.run('remove files', privileged(remote, ['rm', '-rf', layout.etcdDir, layout.agentDir, layout.runDir, layout.svcScript, posix.dirname(layout.svcScript), posix.join(layout.workDir, WORKDIR_MARKER)])),
  );
  // Only when empty: the user may keep other things there.
  await remote.exec(privileged(remote, ['rmdir', layout.workDir]));
}

export async function sshClusterLogs(ctx: Ctx, member: string | undefined, o: { lines: number; out: NodeJS.WritableStream }): Promise<void> {
  const inv = ctx.inventory;
  const members = sshMembers(inv);
  const chosen = member === undefined ? members : members.filter((m) => m.name === member);
  if (chosen.length === 0)
    throw new InputError(ErrorCodes.optionInvalid, `no member named ${member}`, [{ file: inv.source, field: 'member', message: `${member} is not a host with the etcd role`, fix: `one of: ${members.map((m) => m.name).join(', ')}` }]);
  await withSessions(inv, chosen.map((m) => m.host), sessionOpts(ctx), async (s) => {
    for (const m of chosen) {
      const mgr = await managerFor(s.get(m.name));
      const text = await mgr.logs(etcdSpecFor(inv, m), o.lines);
      if (chosen.length > 1) o.out.write(`==> ${m.name} (${m.host.address}, ${mgr.mode === 'systemd' ? 'journal' : 'supervisor log'}) <==\n`);
      o.out.write(text.endsWith('\n') || text === '' ? text : text + '\n');
    }
  });
}

