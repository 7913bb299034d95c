import { type ClockEstimate, ErrorCodes, type Problem, ProtocolError } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { AgentServer, ConnectedAgent } from '../fleet/agent-server.js';
import { syncClock } from './clock-sync.js';

export interface RosterEntry {
  agentId: string;
  /** The agent process's instance at the clock sync (a restarted agent is re-synced by the engine). */
  instance: string;
  host: string;
  pid: number;
  role: string;
  agentVersion: string;
  nodeVersion: string;
  clock: ClockEstimate;
}

/** Waits (bounded) until every expected agent is connected; resolves with those that are, never rejects. */
export async function agentsPresent(server: AgentServer, expected: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
  const have = () => expected.filter((id) => server.get(id));
  if (have().length === expected.length || signal?.aborted) return have();
  await new Promise<void>((resolve) => {
    const check = () => {
      if (have().length === expected.length) finish();
    };
    const timer = setTimeout(() => finish(), timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      server.off('connected', check);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    server.on('connected', check);
    signal?.addEventListener('abort', finish);
  });
  return have();
}

/** Waits until every expected agent has completed the handshake; names the ones that did not come and where to look. */
export async function waitForAgents(server: AgentServer, expected: readonly string[], timeoutMs: number, o: { signal?: AbortSignal; hint?: Problem } = {}): Promise<ConnectedAgent[]> {
  const { signal } = o;
  const have = () => expected.filter((id) => server.get(id));
  if (have().length < expected.length) {
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (have().length !== expected.length) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        const missing = expected.filter((id) => !server.get(id));
        reject(new ProtocolError(ErrorCodes.agentsMissing, `agents did not connect within ${timeoutMs / 1000}s: ${missing.join(', ')}`, o.hint ? { problems: [o.hint] } : {}));
      }, timeoutMs);
      const onAbort = () => {
        finish();
        reject(new ProtocolError(ErrorCodes.runAborted, 'interrupted while waiting for agents'));
      };
      const finish = () => {
        clearTimeout(timer);
        server.off('connected', check);
        signal?.removeEventListener('abort', onAbort);
      };
      server.on('connected', check);
      signal?.addEventListener('abort', onAbort);
    });
  }
  return expected.map((id) => server.get(id) as ConnectedAgent);
}

/** Measures every agent's clock offset (in parallel: each uses its own connection). */
export async function syncRoster(agents: readonly ConnectedAgent[], logger: Logger): Promise<RosterEntry[]> {
  return Promise.all(
    agents.map(async (a) => {
      const clock = await syncClock(a.socket);
      logger.info({ agentId: a.hello.agentId, ...clock }, 'clock synchronized');
      const { agentId, instance, host, pid, role, agentVersion, nodeVersion } = a.hello;
      return { agentId, instance, host, pid, role, agentVersion, nodeVersion, clock };
    }),
  );
}
