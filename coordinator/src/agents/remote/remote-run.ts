import { isIP } from 'node:net';
import { ErrorCodes, InputError } from '@etcdlab/common';
import type { Logger } from 'pino';
import { syncClock } from '../../run/clock-sync.js';
import type { AgentServer } from '../../server/agent-server.js';

/** What executeRun needs to use agents that run as services on the hosts and dial in. */
export interface RemoteAgentsRequest {
  /** The inventory's coordinator address and port: where the agents were told to dial. */
  listen: { host: string; port: number };
  /** The token the agents were installed with (from the project state, never logged). */
  token: string;
  /** Load agents the run waits for. */
  expected: string[];
  /** Monitor agents: clock-synced and recorded when connected, never waited for long. */
  monitors: string[];
  /** Agents this run starts itself once the coordinator listens (docker agentsInContainers); absent = services. */
  launcher?: AgentLauncher;
}

/** Starts dial-in agents for one run and removes them after it (stop also undoes a partial start). */
export interface AgentLauncher {
  start(coordinatorUrl: string): Promise<void>;
  stop(): Promise<void>;
}

export interface MonitorEntry {
  agentId: string;
  host: string;
  role: string;
  clock?: { offsetMs: number; rttMs: number };
  connected: boolean;
}

/**
 * Listens where the agents dial. The address may be one the hosts use to reach this machine but that is
 * not on any local interface (NAT, a name): then every interface is used, and the token still decides
 * who gets in.
 */
export async function listenForRemote(server: AgentServer, r: RemoteAgentsRequest, logger: Logger): Promise<{ url: string }> {
  const inUse = (host: string) =>
    new InputError(ErrorCodes.portInUse, `the coordinator port ${host}:${r.listen.port} is in use`, [
      { field: 'coordinator.port', message: `${host}:${r.listen.port} is taken (another etcdlab run?)`, fix: 'wait for the other run to end, or choose another coordinator.port and run agents install again' },
    ]);
  if (isIP(r.listen.host)) {
    try {
      return await server.listen(r.listen.host, r.listen.port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw inUse(r.listen.host);
      if (code !== 'EADDRNOTAVAIL') throw err;
      logger.warn({ address: r.listen.host }, 'coordinator address is not local; listening on every interface');
    }
  }
  try {
    return await server.listen('0.0.0.0', r.listen.port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw inUse('0.0.0.0');
    throw err;
  }
}

/** Dial-in agents: services need nothing started or stopped (they wait for the next coordinator); a launcher's do. */
export const remoteAgentSet = (r: RemoteAgentsRequest, coordinatorUrl: string): { ids: string[]; start(): Promise<void>; stop(): Promise<void> } => ({
  ids: [...r.expected],
  start: async () => r.launcher?.start(coordinatorUrl),
  stop: async () => r.launcher?.stop(),
});

/**
 * Monitors answer clock sync (sampling is a later step): those connected within a few seconds get their
 * offset measured and recorded; a missing one is recorded as such and does not fail the run.
 */
export async function syncMonitors(server: AgentServer, ids: readonly string[], logger: Logger, waitMs = 5000): Promise<MonitorEntry[]> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && ids.some((id) => !server.get(id))) await new Promise((r) => setTimeout(r, 200));
  return Promise.all(
    ids.map(async (id): Promise<MonitorEntry> => {
      const a = server.get(id);
      if (!a) return { agentId: id, host: '', role: 'monitor', connected: false };
      try {
        const clock = await syncClock(a.socket);
        return { agentId: id, host: a.hello.host, role: a.hello.role, clock: { offsetMs: clock.offsetMs, rttMs: clock.rttMs }, connected: true };
      } catch (err) {
        logger.warn({ agentId: id, err: String(err) }, 'monitor clock sync failed');
        return { agentId: id, host: a.hello.host, role: a.hello.role, connected: true };
      }
    }),
  );
}
