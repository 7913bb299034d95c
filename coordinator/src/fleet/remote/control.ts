import type { Inventory } from '@etcdlab/common';
import type { ProviderContext } from '../../cluster/cluster-ops.js';
import { hostLayout } from '../../cluster/ssh/layout.js';
import { detectInit, ServiceManager } from '../../cluster/ssh/services.js';
import { HostSessions, withSessions } from '../../cluster/ssh/sessions.js';
import type { RemoteHost } from '../../ssh/index.js';
import { agentHosts, agentLogFile, agentServiceSpec, type RemoteAgent, remoteAgents } from './agent-specs.js';
import { assertAgentInventory } from './install.js';

export interface AgentStatus {
  id: string;
  host: string;
  role: string;
  mode: string;
  state: string;
  pid?: number;
  detail?: string;
  /** The last line of the agent's own log (connected, disconnected, refused...). */
  lastLog?: string;
}

async function managerFor(remote: RemoteHost): Promise<ServiceManager> {
  return new ServiceManager(remote, (await detectInit(remote)).mode, hostLayout(remote.host));
}

const agentsOn = (inv: Inventory, remote: RemoteHost): RemoteAgent[] => remoteAgents(inv).filter((a) => a.host.name === remote.host.name);

/** start/stop: every host must answer first; each service is started (or stopped) idempotently. */
export async function controlAgents(ctx: ProviderContext, action: 'start' | 'stop' | 'uninstall'): Promise<void> {
  const inv = ctx.inventory;
  assertAgentInventory(inv);
  if (ctx.dryRun) {
    ctx.note(`plan: ${action} ${remoteAgents(inv).length} agent service(s); nothing will be changed (--dry-run)`);
    for (const a of remoteAgents(inv)) ctx.note(`[${a.host.name}] ${action} ${a.role} ${a.id}${action === 'uninstall' ? `, remove ${hostLayout(a.host).agentDir}` : ''}`);
    return;
  }
  await withSessions(inv, agentHosts(inv), { logger: ctx.logger, note: ctx.note, acceptNew: Boolean(ctx.acceptNew) }, (s) =>
    s.each(`agents ${action}`, async (remote, task) => {
      const mgr = await managerFor(remote);
      const layout = hostLayout(remote.host);
      for (const a of agentsOn(inv, remote)) {
        const spec = agentServiceSpec(inv, a, layout);
        if (action === 'start') {
          if ((await remote.exec(['test', '-f', layout.agentBundle])).code !== 0) throw new Error(`the agent is not installed on ${remote.host.name}: run etcdlab agents install -i ${inv.source}`);
          // The unit or env file from install decides the runtime and token; start only starts.
          const st = await mgr.state(spec);
          if (st.state === 'running') task.note(`${a.role} ${a.id} already running`);
          else if (mgr.mode === 'systemd') await task.step(`start ${a.role} ${a.id}`, () => mgr.start(spec, { restart: false }));
          else await task.step(`start ${a.role} ${a.id}`, () => startFallback(remote, mgr, inv, a));
        } else if (action === 'stop') await task.step(`stop ${a.role} ${a.id}`, () => mgr.stop(spec));
        else await task.step(`remove ${a.role} ${a.id}`, () => mgr.remove(spec));
      }
      if (action === 'uninstall') await task.step('remove agent files', () => remote.run('remove agent files', ['rm', '-rf', layout.agentDir]));
    }),
  );
}

/**
 * The fallback supervisor needs the full argv again: the runtime is the uploaded one when it is there,
 * else the host's (as install chose); the token stays in the env file install wrote.
 */
async function startFallback(remote: RemoteHost, mgr: ServiceManager, inv: Inventory, a: RemoteAgent): Promise<void> {
  const layout = hostLayout(remote.host);
  const uploaded = (await remote.exec(['test', '-x', layout.agentNode])).code === 0;
  const node = uploaded ? layout.agentNode : (await remote.exec(['sh', '-c', 'command -v node'])).stdout.trim() || 'node';
  await mgr.start(agentServiceSpec(inv, a, layout, { node }), { restart: false });
}

/** State of every agent service; an unreachable host shows as such instead of failing the command. */
export async function agentStatuses(ctx: ProviderContext): Promise<AgentStatus[]> {
  const inv = ctx.inventory;
  assertAgentInventory(inv);
  const { sessions, unreachable } = await HostSessions.openReachable(inv, agentHosts(inv), { logger: ctx.logger, note: ctx.note, acceptNew: Boolean(ctx.acceptNew) });
  try {
    const rows = await Promise.all(
      remoteAgents(inv).map(async (a): Promise<AgentStatus> => {
        const base = { id: a.id, host: a.host.name, role: a.role };
        const err = unreachable.get(a.host.name);
        if (err) return { ...base, mode: '-', state: 'unreachable', detail: err.message };
        const remote = sessions.get(a.host.name);
        const mgr = await managerFor(remote);
        const st = await mgr.state(agentServiceSpec(inv, a, hostLayout(a.host)));
        const log = await remote.exec(['tail', '-n', '1', agentLogFile(hostLayout(a.host), a.role)]);
        let lastLog: string | undefined;
        try {
          const rec = JSON.parse(log.stdout.trim()) as { msg?: string; time?: number; reason?: string; code?: string };
          lastLog = `${rec.time ? new Date(rec.time).toISOString() : ''} ${rec.msg ?? ''}${rec.reason ? ` (${rec.reason})` : ''}${rec.code ? ` ${rec.code}` : ''}`.trim();
        } catch {
          lastLog = log.stdout.trim() || undefined;
        }
        return { ...base, mode: mgr.mode, state: st.state, ...(st.pid ? { pid: st.pid } : {}), ...(st.detail ? { detail: st.detail } : {}), ...(lastLog ? { lastLog } : {}) };
      }),
    );
    return rows;
  } finally {
    await sessions.close();
  }
}

