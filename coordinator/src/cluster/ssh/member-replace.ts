/**
 * `cluster replace <member>` for the ssh provider: a member whose host lost its data (re-imaged, a new
 * disk) or that is to be rebuilt from scratch leaves the cluster and joins it again as a new member:
 * stop its service, wipe its data, remove its old entry, add it again, start it with
 * initial-cluster-state existing, wait until it is healthy and has applied everything the leader had
 * when it started. Re-running it after an interruption finishes the job (see membership.ts).
 */
import { EtcdClient, type Member } from '@etcdlab/agent/etcd';
import { ClusterError, ErrorCodes, InputError } from '@etcdlab/common';
import type { ClusterInfo, MemberReplaced, ProviderContext } from '../cluster-ops.js';
import { etcdClientTls } from '../target.js';
import { clusterInfoOf, installMember, preflight, tlsPathsOf } from './cluster-up.js';
import { etcdConfig, renderEtcdConfig } from './etcd-config.js';
import { etcdServiceSpec } from './etcd-service.js';
import { prepareSource } from './etcd-source.js';
import type { HostFacts } from './host-facts.js';
import { hostLayout } from './layout.js';
import { type SshMember, sshMembers } from './members.js';
import { joiningInitialCluster, replaceSteps } from './membership.js';
import { ensurePki } from './pki.js';
import { memberHealth, memberVersion } from './probes.js';
import { privileged, putIfChanged, ServiceManager } from './services.js';
import { withSessions } from './sessions.js';
import { stateDir } from './state-dir.js';
import { assertSshInventory } from './validate.js';

const CONTROL_DEADLINE_MS = 10_000;
const CATCH_UP_TIMEOUT_MS = 90_000;

const hex = (id: bigint): string => id.toString(16);

export async function sshMemberReplace(ctx: ProviderContext, name: string): Promise<MemberReplaced | undefined> {
  const inv = ctx.inventory;
  assertSshInventory(inv);
  const members = sshMembers(inv);
  const member = members.find((m) => m.name === name);
  if (!member)
    throw new InputError(ErrorCodes.optionInvalid, `${inv.source} has no etcd member ${name}`, [
      { file: inv.source, field: 'hosts[].name', message: `members: ${members.map((m) => m.name).join(', ')}`, fix: `etcdlab cluster replace <one of ${members.map((m) => m.name).join(', ')}> -i ${inv.source}` },
    ]);
  const others = members.filter((m) => m !== member);
  if (ctx.dryRun) {
    ctx.note(`cluster replace ${name}: on ${member.host.address}, stop the etcd service and remove ${member.dataDir}; through ${others.map((m) => m.name).join(', ')}, remove its old membership and add ${member.peerUrl} again; install and start it with initial-cluster-state existing; wait until it is healthy and caught up`);
    return undefined;
  }
  const source = await prepareSource(inv, { cacheDir: `${stateDir()}/cache` });
  const pki = inv.cluster.tls ? await ensurePki(inv, members) : undefined;
  const tls = clusterInfoOf(inv, undefined, pki).tls;
  const alive = (await Promise.all(others.map(async (m) => ((await memberHealth(m.clientUrl, tls, 3000)).healthy ? m : undefined)))).filter((m): m is SshMember => m !== undefined);
  if (alive.length === 0)
    throw new ClusterError(ErrorCodes.memberReplaceFailed, `no other member of ${inv.cluster.name} is healthy: a member can only be replaced through the rest of its cluster`, {
      problems: [{ file: inv.source, field: name, message: `${others.map((m) => m.clientUrl).join(', ') || 'no other members'}: not healthy`, fix: `with every member lost, start again: etcdlab cluster clean -i ${inv.source}, then cluster up` }],
    });
  const client = new EtcdClient({ endpoints: alive.map((m) => m.clientUrl), connections: 1, ...(tls ? { tls: etcdClientTls(tls) } : {}) });
  const control = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new ClusterError(ErrorCodes.memberReplaceFailed, `${what}: etcd refused: ${(err as Error).message}`, {
        problems: [{ file: inv.source, field: name, message: what, fix: 'etcd refuses a change that would lose quorum: bring the other members back first (etcdlab cluster status)' }],
      });
    }
  };
  try {
    return await withSessions(inv, [member.host], { logger: ctx.logger, note: ctx.note, acceptNew: Boolean(ctx.acceptNew) }, async (s) => {
      const facts = await preflight(inv, s, source);
      const f = facts.get(name) as HostFacts;
      const layout = hostLayout(member.host);
      let joinedAt = 0;
      let leaderIndex = 0;
      let memberId = '';
      await s.each('cluster replace', async (remote, task) => {
        const mgr = new ServiceManager(remote, f.init.mode, layout);
        const spec = etcdServiceSpec(inv, member, layout, '', f);
        await task.step('stop etcd service', () => mgr.stop(spec));
        await task.step('remove etcd data', () => remote.run('remove etcd data', privileged(remote, ['rm', '-rf', layout.etcdData])));
        const list = await control('member list', () => client.memberList(CONTROL_DEADLINE_MS));
        const steps = replaceSteps(list, member);
        let after: Member[] = list;
        const old = steps.remove;
        if (old) after = await task.step(`remove member ${hex(old.id)} (${old.name || 'never started'})`, () => control(`remove member ${hex(old.id)}`, () => client.memberRemove(old.id, CONTROL_DEADLINE_MS)));
        const added = steps.pending ?? (await task.step(`add ${member.peerUrl} as a new member`, () => control('member add', () => client.memberAdd([member.peerUrl], CONTROL_DEADLINE_MS)))).added;
        if (steps.pending) task.note(`member ${hex(added.id)} was added by an earlier replace and never started: starting it`);
        else after = await control('member list', () => client.memberList(CONTROL_DEADLINE_MS));
        memberId = hex(added.id);
        leaderIndex = await leaderRaftIndex(client, alive);
        joinedAt = performance.now();
        const initialCluster = joiningInitialCluster(after, member, inv.source);
        const { refused } = await installMember(remote, task, { inv, member, members, source, facts: f, ...(pki ? { pki } : {}), join: { initialCluster } });
        if (refused) throw new ClusterError(ErrorCodes.memberReplaceFailed, `${name} was refused as already bootstrapped although it joined as a new member`, { problems: [{ file: inv.source, field: name, message: 'etcd refused the join', fix: `etcdlab cluster logs ${name} -i ${inv.source}` }] });
      });
      ctx.note(`waiting until ${name} is healthy and has applied index ${leaderIndex} (the leader's when it joined) ...`);
      const appliedIndex = await waitCaughtUp(client, member, leaderIndex, tls, ctx);
      const joinMs = performance.now() - joinedAt;
      // Its configuration as `cluster up` writes it, so that `up` finds nothing to change: a member with
      // data ignores initial-cluster-state, and an emptied one is then refused and sent here again.
      await putIfChanged(s.get(name), layout.etcdConfig, renderEtcdConfig(etcdConfig(inv, member, members, pki ? tlsPathsOf(layout) : undefined)), 0o644);
      return { info: clusterInfoOf(inv, await memberVersion(member.clientUrl, tls), pki), memberId, joinMs, appliedIndex };
    });
  } finally {
    await client.close();
  }
}

/** The highest raft index among the members that answer (the leader's, or close to it). */
async function leaderRaftIndex(client: EtcdClient, alive: readonly SshMember[]): Promise<number> {
  const statuses = await Promise.all(alive.map((m) => client.status(m.clientUrl, 3000).catch(() => undefined)));
  return Math.max(0, ...statuses.map((st) => st?.raftIndex ?? 0));
}

async function waitCaughtUp(client: EtcdClient, member: SshMember, index: number, tls: ClusterInfo['tls'], ctx: ProviderContext): Promise<number> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (ctx.signal?.aborted) throw new ClusterError(ErrorCodes.runAborted, `interrupted while waiting for ${member.name} to catch up`);
    const health = await memberHealth(member.clientUrl, tls, 1500);
    const st = health.healthy ? await client.status(member.clientUrl, 1500).catch(() => undefined) : undefined;
    if (st && st.raftAppliedIndex >= index) return st.raftAppliedIndex;
    last = st ? `applied index ${st.raftAppliedIndex} of ${index}` : `/health: ${health.detail}`;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new ClusterError(ErrorCodes.memberReplaceFailed, `${member.name} did not become healthy and caught up within ${CATCH_UP_TIMEOUT_MS / 1000} s (${last})`, {
    problems: [{ field: member.name, message: last, fix: `etcdlab cluster logs ${member.name} -i <inventory>` }],
  });
}
