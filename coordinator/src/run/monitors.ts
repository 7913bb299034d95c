import type { Logger } from 'pino';
import type { AgentServer } from '../fleet/agent-server.js';
import { syncClock } from './clock-sync.js';

export interface MonitorEntry {
  agentId: string;
  host: string;
  role: string;
  clock?: { offsetMs: number; rttMs: number };
  connected: boolean;
}

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
