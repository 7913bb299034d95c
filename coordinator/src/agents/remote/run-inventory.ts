import { ClusterError, ErrorCodes, EtcdlabError, hostsWithRole, InputError, type Inventory, ProtocolError } from '@etcdlab/common';
import pino from 'pino';
import { loadInventoryFile } from '../../commands/inventory-file.js';
import { createRunDir, createRunLogger, interruptSignal, loadWorkloadFile, reportOutcome } from '../../commands/run-support.js';
import { Progress } from '../../output/progress.js';
import { memberHealth } from '../../providers/ssh/probes.js';
import { clusterOpsFor } from '../../providers/registry.js';
import { executeRun } from '../../run/run-session.js';
import { remoteAgents } from './agent-specs.js';
import { hostChecksForRun, type RunHostChecks } from './host-record.js';
import { type AgentState, requireAgentState } from './state.js';
import { buildAgentBundle } from './bundle.js';

export interface InventoryRunOptions {
  inventory: string;
  workload: string;
  quick: boolean;
  json: boolean;
  results: string;
  acceptNew?: boolean;
}

/** Where the members and agents are, and whether a placement rule was waived on purpose (recorded in the manifest). */
export function placementRecord(inv: Inventory): Record<string, unknown> {
  const colocated = inv.hosts.filter((h) => h.roles.includes('etcd') && h.roles.includes('agent')).map((h) => h.name);
  return {
    allowColocation: inv.allowColocation,
    colocated,
    hosts: inv.hosts.map((h) => ({ name: h.name, address: h.address, roles: h.roles })),
  };
}

/** The inventory as recorded: what was asked for, without anything secret (it holds paths, never keys). */
export const inventoryRecord = (inv: Inventory): Record<string, unknown> => ({ ...inv, hosts: inv.hosts.map((h) => ({ ...h })) });

/**
 * `etcdlab run -i FILE -w WORKLOAD` with the ssh provider: the members must be healthy and the agents
 * installed (their token is in the project state); the coordinator listens on the inventory's address
 * and waits for the hosts' load agents to dial in.
 */
export async function runWithInventory(o: InventoryRunOptions): Promise<number> {
  const inv = loadInventoryFile(o.inventory);
  if (inv.provider !== 'ssh')
    throw new InputError(ErrorCodes.optionInvalid, `run -i drives ssh inventories; ${o.inventory} uses the ${inv.provider} provider`, [
      { file: o.inventory, field: 'provider', message: inv.provider, fix: inv.provider === 'local' ? 'use etcdlab quickstart' : 'bring the cluster up with etcdlab cluster up -i, then etcdlab run --endpoints ...' },
    ]);
  const workload = loadWorkloadFile(o.workload, o.quick);
  const state = await requireAgentState(inv);
  const agents = remoteAgents(inv);
  const expected = agents.filter((a) => a.role === 'agent').map((a) => a.id);
  if (expected.length === 0)
    throw new InputError(ErrorCodes.inventoryInvalid, `${inv.source} has no host with the agent role`, [{ file: inv.source, field: 'hosts[].roles', message: 'no load agents', fix: 'give at least one host roles: [agent]' }]);
  const quiet = pino({ level: 'silent' });
  const ops = await clusterOpsFor({ inventory: inv, logger: quiet, dryRun: false, note: () => undefined, acceptNew: Boolean(o.acceptNew) });
  const info = await ops.info();
  const health = await Promise.all(info.clientEndpoints.map(async (e) => [e, await memberHealth(e, info.tls, 3000)] as const));
  const sick = health.filter(([, h]) => !h.healthy);
  if (sick.length > 0)
    throw new ClusterError(ErrorCodes.clusterUnhealthy, `${sick.length} of ${health.length} member(s) are not healthy; nothing was started`, {
      problems: sick.map(([e, h]) => ({ field: e, message: h.detail, fix: `etcdlab cluster status -i ${o.inventory} (cluster up -i brings it up)` })),
    });

  const progress = new Progress(process.stderr);
  const { runId, runDir } = createRunDir(o.results);
  const logger = createRunLogger(runDir);
  const interrupt = interruptSignal(() => progress.note('interrupted: stopping the run and keeping what was measured (Ctrl-C again to quit at once)'));
  try {
    progress.note(`etcdlab run ${runId}: cluster ${inv.cluster.name}, ${info.clientEndpoints.join(', ')} (etcd ${info.etcdVersion ?? '?'})`);
    progress.note(`checking ${inv.hosts.length} host(s) ...`);
    const hostChecks = await hostChecksForRun(inv, logger, Boolean(o.acceptNew));
    for (const line of hostCheckLines(hostChecks)) progress.note(line);
    const agentsInstall = await installRecord(state);
    if (agentsInstall.current === false) progress.note(`warning: the agents were installed from another etcdlab build (${state.installedAt}); run etcdlab agents install -i ${o.inventory} to update them`);
    const members = info.members.map((m) => ({ name: m.name, clientUrl: m.clientUrl, peerUrl: m.peerUrl }));
    const { summary, error } = await executeRun({
      runId,
      runDir,
      workload,
      agents: expected.length,
      endpoints: info.clientEndpoints,
      ...(info.tls ? { tls: info.tls } : {}),
      cluster: { provider: 'ssh', members: members.length, endpoints: info.clientEndpoints, ...(info.etcdVersion ? { etcdVersion: info.etcdVersion } : {}), tls: info.tls !== undefined, memberDetails: members, name: inv.cluster.name },
      logger,
      progress,
      signal: interrupt.signal,
      invocation: { command: 'run', inventory: o.inventory, workload: o.workload, quick: o.quick, results: o.results },
      remote: {
        listen: { host: inv.coordinator?.address ?? '0.0.0.0', port: inv.coordinator?.port ?? 7380 },
        token: state.token,
        expected,
        monitors: agents.filter((a) => a.role === 'monitor').map((a) => a.id),
      },
      ownMarkers: inv.hosts.map((h) => h.workDir),
      manifestExtra: { inventory: inventoryRecord(inv), placement: placementRecord(inv), hostChecks, agentsInstall, members: hostsWithRole(inv, 'etcd').map((h) => h.name) },
    });
    return reportOutcome(summary, withAgentHint(error, o.inventory), { json: o.json });
  } finally {
    interrupt.dispose();
    logger.flush();
  }
}

/** Service agents log on their hosts, not in the run folder: say where to look. */
function withAgentHint(error: Error | undefined, inventory: string): Error | undefined {
  if (!(error instanceof EtcdlabError) || error.code !== ErrorCodes.agentsMissing) return error;
  return new ProtocolError(error.code, error.message.replace(/ \(see their logs.*\)$/, ''), {
    problems: [{ message: 'the agent services dial the coordinator address of the inventory', fix: `etcdlab agents status -i ${inventory} shows each service and its last log line; etcdlab agents install -i ${inventory} (re)installs them` }],
  });
}

/** When and from which bundle the agents were installed; `current` compares with a fresh bundle of these sources. */
async function installRecord(state: AgentState): Promise<{ installedAt: string; bundleSha256?: string; current?: boolean }> {
  const out: { installedAt: string; bundleSha256?: string; current?: boolean } = { installedAt: state.installedAt, ...(state.bundleSha256 ? { bundleSha256: state.bundleSha256 } : {}) };
  if (!state.bundleSha256) return out;
  try {
    out.current = (await buildAgentBundle()).sha256 === state.bundleSha256;
  } catch {
    // No esbuild here: the check is skipped, the run goes on.
  }
  return out;
}

/** One line per host that is not ok, and a summary (the details are in the manifest). */
export function hostCheckLines(c: RunHostChecks): string[] {
  if (!('report' in c)) return [`host checks: short probe only (${c.hosts.filter((h) => h.reachable).length}/${c.hosts.length} reachable)`];
  const { summary, hosts } = c.report;
  return [
    `host checks: ${summary.ok} ok, ${summary.warn} warn, ${summary.fail} fail (recorded in the manifest)`,
    ...hosts.filter((h) => h.verdict !== 'ok').map((h) => `  ${h.verdict} ${h.name}: ${h.reasons.map((r) => r.message).join('; ')}`),
  ];
}
