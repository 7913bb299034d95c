import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ErrorCodes, HostError, InputError, type Inventory } from '@etcdlab/common';
import type { ProviderContext } from '../../cluster/cluster-ops.js';
import { type HostFacts, probeFacts } from '../../cluster/ssh/host-facts.js';
import { prepareWorkDir, remoteSha256 } from '../../cluster/ssh/install-etcd.js';
import { agentServiceName, hostLayout } from '../../cluster/ssh/layout.js';
import { ServiceManager } from '../../cluster/ssh/services.js';
import { withSessions } from '../../cluster/ssh/sessions.js';
import { assertSshInventory } from '../../cluster/ssh/validate.js';
import type { HostStepContext, RemoteHost } from '../../ssh/index.js';
import { agentHosts, agentServiceSpec, coordinatorUrl, remoteAgents } from './agent-specs.js';
import { type AgentBundle, buildAgentBundle } from './bundle.js';
import { chooseRuntime, localRuntime, type RuntimeChoice } from './node-runtime.js';
import { readAgentState, tokenFor, writeAgentState } from './state.js';

/** Agents need hosts to run on and a coordinator address to dial; refused before anything starts. */
export function assertAgentInventory(inv: Inventory): void {
  assertSshInventory(inv);
  if (remoteAgents(inv).length === 0)
    throw new InputError(ErrorCodes.inventoryInvalid, `${inv.source} has no host with the agent or monitor role`, [
      { file: inv.source, field: 'hosts[].roles', message: 'no agent or monitor role', fix: 'give load hosts roles: [agent] (and etcd hosts [etcd, monitor])' },
    ]);
  if (!coordinatorUrl(inv))
    throw new InputError(ErrorCodes.inventoryInvalid, `${inv.source} has no coordinator address`, [
      { file: inv.source, field: 'coordinator', message: 'agents need the address to dial', fix: 'add coordinator: { address: <this machine as the hosts see it>, port: 7380 }' },
    ]);
}

async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

/** Uploads unless the host has the same bytes; returns whether it uploaded. */
async function placeFile(remote: RemoteHost, local: string, sha256: string, target: string, mode: number): Promise<boolean> {
  if ((await remoteSha256(remote, target)) === sha256) return false;
  await remote.upload(local, target, mode);
  const got = await remoteSha256(remote, target);
  if (got !== sha256) throw new Error(`${target} has sha256 ${got ?? '(unreadable)'} after upload, expected ${sha256}`);
  return true;
}

export function installPlan(inv: Inventory): string[] {
  const lines = [`plan: agents for cluster ${inv.cluster.name}, dialing ${coordinatorUrl(inv)}; nothing will be changed (--dry-run)`];
  lines.push('  here: bundle the agent with esbuild into build/agent/etcdlab-agent.cjs; keep a token in .etcdlab/agents/ (mode 0600)');
  for (const h of agentHosts(inv)) {
    const l = hostLayout(h);
    lines.push(`[${h.name}] ${h.ssh.user}@${h.address}:${h.ssh.port}: upload ${l.agentBundle}; Node.js: the host's own when >= 20.19, else ${l.agentNode} (this machine's, same architecture only)`);
    for (const a of remoteAgents(inv).filter((x) => x.host.name === h.name))
      lines.push(`  ${a.role} ${a.id}: env file ${l.agentDir}/${a.role}.env (0600: coordinator address, token); service ${agentServiceName(inv, a.role)} (systemd, or the fallback supervisor); start`);
  }
  return lines;
}

/**
 * `agents install`: every agent host answers and can run Node (else nothing is changed anywhere), then
 * per host: work directory, the bundle, the runtime when needed, one service per role (env file 0600
 * with the coordinator address and the token), started or restarted when something changed.
 */
export async function installAgents(ctx: ProviderContext): Promise<void> {
  const inv = ctx.inventory;
  assertAgentInventory(inv);
  if (ctx.dryRun) {
    for (const line of installPlan(inv)) ctx.note(line);
    return;
  }
  const bundle = await buildAgentBundle();
  ctx.note(`agent bundled: ${bundle.file} (${(bundle.bytes / 1024 / 1024).toFixed(1)} MB)`);
  const previous = await readAgentState(inv);
  const token = tokenFor(previous);
  const agents = remoteAgents(inv);
  let nodeSha: string | undefined;
  await withSessions(inv, agentHosts(inv), { logger: ctx.logger, note: ctx.note, acceptNew: Boolean(ctx.acceptNew), secrets: [token] }, async (s) => {
    const facts = new Map<string, HostFacts & { runtime: RuntimeChoice }>();
    await s.each('preflight', async (remote, task) => {
      const f = await task.step('probe', () => probeFacts(remote, { node: true }));
      const runtime = chooseRuntime(f, localRuntime());
      if (runtime.kind === 'none') throw new HostError(ErrorCodes.nodeRuntimeMissing, runtime.reason, { problems: [{ field: remote.host.name, message: runtime.reason, fix: 'install Node.js >= 20.19 on the host (e.g. from nodejs.org or NodeSource), then run agents install again' }] });
      facts.set(remote.host.name, { ...f, runtime });
    });
    if ([...facts.values()].some((f) => f.runtime.kind === 'upload')) nodeSha = await sha256Of(process.execPath);
    await s.each('agents install', (remote, task) => installOnHost(inv, remote, task, { bundle, token, facts: facts.get(remote.host.name) as HostFacts & { runtime: RuntimeChoice }, nodeSha }));
  });
  await writeAgentState(inv, {
    cluster: inv.cluster.name,
    inventory: inv.source,
    coordinatorUrl: coordinatorUrl(inv) as string,
    token,
    agents: agents.map((a) => ({ id: a.id, host: a.host.name, role: a.role })),
    installedAt: new Date().toISOString(),
    bundleSha256: bundle.sha256,
  });
}

async function installOnHost(
  inv: Inventory,
  remote: RemoteHost,
  task: HostStepContext,
  o: { bundle: AgentBundle; token: string; facts: HostFacts & { runtime: RuntimeChoice }; nodeSha: string | undefined },
): Promise<void> {
  const layout = hostLayout(remote.host);
  const { runtime } = o.facts;
  task.note(`${o.facts.init.mode === 'systemd' ? 'systemd' : `no running systemd (${o.facts.init.detail}): fallback supervisor`}; Node.js ${runtime.kind === 'host' ? `${runtime.version} at ${runtime.path} (the host's)` : `${runtime.kind === 'upload' ? runtime.version : '?'} uploaded`}`);
  await task.step('prepare work directory', () => prepareWorkDir(remote, layout));
  await remote.run('create agent folder', ['mkdir', '-p', layout.agentDir]);
  let changed = await task.step('upload agent bundle', () => placeFile(remote, o.bundle.file, o.bundle.sha256, layout.agentBundle, 0o644));
  let node = layout.agentNode;
  if (runtime.kind === 'host') node = runtime.path;
  else if (runtime.kind === 'upload') {
    changed = (await task.step('upload Node.js runtime', () => placeFile(remote, runtime.from, o.nodeSha as string, layout.agentNode, 0o755))) || changed;
    const v = await remote.exec([layout.agentNode, '--version']);
    if (v.code !== 0) throw new HostError(ErrorCodes.nodeRuntimeMissing, `the uploaded Node.js does not run on ${remote.host.name}: ${(v.stderr || v.stdout).trim().slice(0, 300)}`, { problems: [{ field: remote.host.name, message: 'this machine\'s Node.js needs libraries the host lacks (glibc, libstdc++)', fix: 'install Node.js >= 20.19 on the host, then run agents install again' }] });
  }
  const mgr = new ServiceManager(remote, o.facts.init.mode, layout);
  for (const a of remoteAgents(inv).filter((x) => x.host.name === remote.host.name)) {
    const spec = agentServiceSpec(inv, a, layout, { node, token: o.token, facts: o.facts });
    const specChanged = await task.step(`install ${a.role} service`, () => mgr.install(spec));
    const running = (await mgr.state(spec)).state === 'running';
    const restart = running && (changed || specChanged);
    if (running && !restart) task.note(`${a.role} ${a.id} already running`);
    else await task.step(`${restart ? 'restart' : 'start'} ${a.role} ${a.id}`, () => mgr.start(spec, { restart }));
  }
}
