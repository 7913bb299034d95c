import { isIP } from 'node:net';
import { ErrorCodes, InputError } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { AgentServer } from '../fleet/agent-server.js';

/**
 * Listens where the agents dial (port 0: any free port). The address may be one the hosts use to reach
 * this machine but that is not on any local interface (NAT, a name): then every interface is used, and
 * the token still decides who gets in.
 */
export async function listenForAgents(server: AgentServer, listen: { host: string; port: number }, logger: Logger): Promise<{ url: string }> {
  const inUse = (host: string) =>
    new InputError(ErrorCodes.portInUse, `the coordinator port ${host}:${listen.port} is in use`, [
      { field: 'coordinator.port', message: `${host}:${listen.port} is taken (another etcdlab run?)`, fix: 'wait for the other run to end, or choose another coordinator.port and run agents install again' },
    ]);
  if (isIP(listen.host)) {
    try {
      return await server.listen(listen.host, listen.port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw inUse(listen.host);
      if (code !== 'EADDRNOTAVAIL') throw err;
      logger.warn({ address: listen.host }, 'coordinator address is not local; listening on every interface');
    }
  }
  try {
    return await server.listen('0.0.0.0', listen.port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw inUse('0.0.0.0');
    throw err;
  }
}

