import { ClusterError, ErrorCodes, HostError, hostsWithRole, type Inventory } from '@etcdlab/common';
import { warnEvenSize } from '../cluster-size.js';
import type { ClusterInfo, ProviderContext } from '../cluster-ops.js';
import { etcdConfig, renderEtcdConfig, type TlsPaths } from './etcd-config.js';
import { etcdServiceSpec } from './etcd-service.js';
import { archProblems, prepareSource, type PreparedSource } from './etcd-source.js';
import { type HostFacts, probeFacts } from './host-facts.js';
import { checkHostEtcd, installEtcdBinary, prepareWorkDir } from './install-etcd.js';
import { type HostLayout, hostLayout } from './layout.js';
import { type SshMember, sshMembers } from './members.js';
import { sourceLine, upPlan } from './plan.js';
import { recoverMembers } from './fault-recovery.js';
import { ensurePki, type SshPki } from './pki.js';
import { memberHealth, memberVersion } from './probes.js';
import { putIfChanged, ServiceManager } from './services.js';
import { HostSessions, withSessions } from './sessions.js';
import { stateDir } from './state-dir.js';
import { assertSshInventory } from './validate.js';
import type { HostStepContext, RemoteHost } from '../../ssh/index.js';

export const clusterInfoOf = (inv: Inventory, etcdVersion?: string, pki?: SshPki): ClusterInfo => {
  const members = sshMembers(inv);
  return {
    members: members.map(({ host: _h, listenClientUrl: _c, listenPeerUrl: _p, ...m }) => m),
    clientEndpoints: members.map((m) => m.clientUrl),
    ...(etcdVersion ? { etcdVersion } : {}),
    ...(pki ? { tls: { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } } : {}),
  };
};

/** Where a member's certificate files go on its host. */
export const tlsPathsOf = (layout: HostLayout): TlsPaths => ({ caFile: `${layout.etcdTls}/ca.crt`, certFile: `${layout.etcdTls}/server.crt`, keyFile: `${layout.etcdTls}/server.key` });

/** Uploads a member's CA, certificate and key (0600); returns whether any changed. */
async function placeTls(remote: RemoteHost, layout: HostLayout, pki: SshPki, member: string): Promise<boolean> {
  const own = pki.members.get(member);
  if (!own) throw new Error(`no certificate for ${member}`);
  const p = tlsPathsOf(layout);
  await remote.run('create tls folder', ['mkdir', '-p', layout.etcdTls]);
  const changed = await Promise.all([putIfChanged(remote, p.caFile, pki.ca, 0o644), putIfChanged(remote, p.certFile, own.cert, 0o644), putIfChanged(remote, p.keyFile, own.key, 0o600)]);
  return changed.some(Boolean);
}

const UP_TIMEOUT_MS = 90_000;

/**
 * `cluster up` for the ssh provider: check the source here, connect to every etcd host and probe it
 * (nothing changes unless all answer and fit), undo faults a dead coordinator left, then per host in
 * parallel: work directory, binary, configuration, service, start; finally wait until every member is healthy.
 */
export async function sshClusterUp(ctx: ProviderContext): Promise<ClusterInfo> {
  const inv = ctx.inventory;
  assertSshInventory(inv);
  const members = sshMembers(inv);
  warnEvenSize(members.length, ctx.note);
  if (ctx.dryRun) {
    // The source is checked here too (it touches nothing), unless that would mean a download.
    const src = inv.cluster.etcd;
    if (!(src?.kind === 'release' && /^https?:\/\//.test(src.tarball))) await prepareSource(inv, { cacheDir: `${stateDir()}/cache` });
    for (const line of upPlan(inv, sourceLine(inv))) ctx.note(line);
    return clusterInfoOf(inv);
  }
  const source = await prepareSource(inv, { cacheDir: `${stateDir()}/cache` });
  return withSessions(inv, hostsWithRole(inv, 'etcd'), { logger: ctx.logger, note: ctx.note, acceptNew: Boolean(ctx.acceptNew) }, async (s) => {
    const facts = await preflight(inv, s, source);
    // A member a dead coordinator left paused or cut off would never get healthy below.
    for (const line of await recoverMembers(inv, s)) ctx.note(line);
    const pki = inv.cluster.tls ? await ensurePki(inv, members) : undefined;
    const refused: SshMember[] = [];
    await s.each('cluster up', async (remote, task) => {
      const member = members.find((m) => m.name === remote.host.name) as SshMember;
      const r = await installMember(remote, task, { inv, member, members, source, facts: facts.get(remote.host.name) as HostFacts, ...(pki ? { pki } : {}) });
      if (r.refused) refused.push(member);
    });
    if (refused.length) throw bootstrappedError(inv, refused);
    const info = clusterInfoOf(inv, undefined, pki);
    await waitHealthy(inv, members, s, facts, ctx, info.tls);
    return clusterInfoOf(inv, await memberVersion(members[0]?.clientUrl ?? '', info.tls), pki);
  });
}

export interface MemberInstall {
  inv: Inventory;
  member: SshMember;
  members: readonly SshMember[];
  source: PreparedSource;
  facts: HostFacts;
  pki?: SshPki;
  /** Joining a running cluster (`cluster replace`): its initial-cluster, with initial-cluster-state existing. */
  join?: { initialCluster: string };
}

/**
 * One member's host, as `up` leaves it: work directory, binary, certificates, configuration, service,
 * running. `refused`: etcd would not start it as new because the cluster already has it (its service is
 * stopped again); a start that fails otherwise throws.
 */
export async function installMember(remote: RemoteHost, task: HostStepContext, o: MemberInstall): Promise<{ refused: boolean }> {
  const { inv, member, facts: f, pki } = o;
  const layout = hostLayout(remote.host);
  task.note(`${f.init.mode === 'systemd' ? 'systemd' : `no running systemd (${f.init.detail}): fallback supervisor`}, ${f.arch}`);
  await task.step('prepare work directory', () => prepareWorkDir(remote, layout));
  const { bin, version } = await task.step('install etcd', () => installEtcdBinary(remote, task, o.source, layout));
  if (version) task.note(`etcd ${version}`);
  const tlsChanged = pki ? await task.step('install certificates', () => placeTls(remote, layout, pki, member.name)) : false;
  const config = renderEtcdConfig(etcdConfig(inv, member, o.members, pki ? tlsPathsOf(layout) : undefined, o.join));
  const configChanged = (await task.step('write configuration', () => putIfChanged(remote, layout.etcdConfig, config, 0o644))) || tlsChanged;
  const mgr = new ServiceManager(remote, f.init.mode, layout);
  const spec = etcdServiceSpec(inv, member, layout, bin, f);
  const unitChanged = await task.step('install service', () => mgr.install(spec));
  const running = (await mgr.state(spec)).state === 'running';
  try {
    await task.step(running && (configChanged || unitChanged) ? 'restart (configuration changed)' : running ? 'already running' : 'start', () =>
      running && !(configChanged || unitChanged) ? Promise.resolve() : mgr.start(spec, { restart: running }),
    );
  } catch (err) {
    // The fallback supervisor's start fails when etcd exits at once: say why when the reason is known.
    if (await stoppedIfBootstrapped(mgr, spec)) return { refused: true };
    throw err;
  }
  return { refused: false };
}

/** Probes every host read-only and refuses (naming each host) before anything is installed anywhere. */
export async function preflight(inv: Inventory, s: HostSessions, source: PreparedSource): Promise<Map<string, HostFacts>> {
  const facts = new Map<string, HostFacts>();
  await s.each('preflight', async (remote, task) => {
    const f = await task.step('probe', () => probeFacts(remote));
    facts.set(remote.host.name, f);
    if (source.kind === 'host') {
      const why = await checkHostEtcd(remote, source.path);
      if (why) throw new HostError(ErrorCodes.etcdSourceInvalid, why, { problems: [{ file: inv.source, field: 'cluster.etcd.path', message: why, fix: `install etcd on ${remote.host.name} (apt-get install etcd-server) or use kind: local or release` }] });
    }
  });
  const problems = archProblems(source, [...facts].map(([name, f]) => ({ name, arch: f.arch })), inv.source);
  if (problems.length > 0) throw new HostError(ErrorCodes.etcdSourceInvalid, `the etcd binary does not fit ${problems.length} host(s); nothing was installed`, { problems });
  return facts;
}

async function waitHealthy(inv: Inventory, members: SshMember[], s: HostSessions, facts: Map<string, HostFacts>, ctx: ProviderContext, tls: ClusterInfo['tls']): Promise<void> {
  const deadline = Date.now() + UP_TIMEOUT_MS;
  ctx.note(`waiting until ${members.length} member(s) are healthy ...`);
  let last = new Map<string, string>();
  const managerOf = (m: SshMember) => {
    const f = facts.get(m.name) as HostFacts;
    return { mgr: new ServiceManager(s.get(m.name), f.init.mode, hostLayout(m.host)), spec: etcdServiceSpec(inv, m, hostLayout(m.host), '', f) };
  };
  for (let round = 0; Date.now() < deadline; round++) {
    if (ctx.signal?.aborted) throw new ClusterError(ErrorCodes.runAborted, 'interrupted while waiting for the members');
    const results = await Promise.all(members.map(async (m) => [m, await memberHealth(m.clientUrl, tls, 1500)] as const));
    if (results.every(([, r]) => r.healthy)) return;
    last = new Map(results.filter(([, r]) => !r.healthy).map(([m, r]) => [m.name, r.detail]));
    // A member whose data is gone while the cluster still lists it never starts: say so now, not after 90 s.
    if (round % 4 === 3) await refuseBootstrapped(inv, members.filter((m) => last.has(m.name)), managerOf);
    await new Promise((r) => setTimeout(r, 500));
  }
  // Say why, member by member: the service's state and the last lines of its log.
  const problems = await Promise.all(
    members
      .filter((m) => last.has(m.name))
      .map(async (m) => {
        const { mgr, spec } = managerOf(m);
        const st = await mgr.state(spec).catch((e: Error) => ({ state: `unknown (${e.message})` }));
        const log = await mgr.logs(spec, 8).catch(() => '');
        return { field: m.name, message: `step "wait until healthy": ${m.clientUrl}/health: ${last.get(m.name)}; service ${st.state}\n      ${log.trim().split('\n').slice(-8).join('\n      ')}`, fix: `etcdlab cluster logs ${m.name} -i ${inv.source}; remove everything with etcdlab cluster clean -i ${inv.source}` };
      }),
  );
  throw new ClusterError(ErrorCodes.memberStartFailed, `${problems.length} member(s) did not become healthy within ${UP_TIMEOUT_MS / 1000} s`, { problems });
}

/** etcd's refusal to start a member as new that the running cluster already has (its data was lost). */
export const ALREADY_BOOTSTRAPPED = /member [0-9a-f]+ has already been bootstrapped/;

/** When the member's log shows that refusal, its service is stopped (no restart loop): true. */
async function stoppedIfBootstrapped(mgr: ServiceManager, spec: ReturnType<typeof etcdServiceSpec>): Promise<boolean> {
  if (!ALREADY_BOOTSTRAPPED.test(await mgr.logs(spec, 40).catch(() => ''))) return false;
  await mgr.stop(spec).catch(() => undefined);
  return true;
}

type ManagerOf = (m: SshMember) => { mgr: ServiceManager; spec: ReturnType<typeof etcdServiceSpec> };

/** Stops (no restart loop) and names every member whose log shows the refusal, with `cluster replace` as the fix. */
async function refuseBootstrapped(inv: Inventory, unhealthy: readonly SshMember[], managerOf: ManagerOf): Promise<void> {
  const refused: SshMember[] = [];
  for (const m of unhealthy) {
    const { mgr, spec } = managerOf(m);
    if (await stoppedIfBootstrapped(mgr, spec)) refused.push(m);
  }
  if (refused.length > 0) throw bootstrappedError(inv, refused);
}

const bootstrappedError = (inv: Inventory, refused: readonly SshMember[]): ClusterError =>
  new ClusterError(ErrorCodes.memberBootstrapped, `${refused.map((m) => m.name).join(', ')}: etcd refuses to start as a new member what the running cluster already has ("has already been bootstrapped"): its data is gone (a re-imaged host, an emptied disk); its service was stopped again`, {
    problems: refused.map((m) => ({ file: inv.source, field: m.name, message: 'the cluster still lists this member, its data folder is empty', fix: `etcdlab cluster replace ${m.name} -i ${inv.source}` })),
  });
