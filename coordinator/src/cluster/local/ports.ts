/**
 * Port selection for local members: 2 loopback ports per member (client, peer), checked by actually binding
 * them, so a conflict is reported as an input error before any etcd process is started.
 */
import net from 'node:net';
import { ErrorCodes, InputError } from '@etcdlab/common';

export const LOOPBACK = '127.0.0.1';

/** etcd's well-known ports: a user's own etcd may be on them, so auto mode never hands them out. */
const WELL_KNOWN_ETCD_PORTS = new Set([2379, 2380]);

export interface MemberPorts {
  client: number;
  peer: number;
}

export interface PickPortsOptions {
  /** Fixed layout: member i (0-based) gets basePort+2i (client) and basePort+2i+1 (peer). */
  basePort?: number;
  host?: string;
}

/** Binds `port` (0 = any free one) and resolves with the open server, or rejects with the bind error. */
function listen(port: number, host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** True when `port` can be bound on `host` right now. */
export async function isPortFree(port: number, host = LOOPBACK): Promise<boolean> {
  try {
    await close(await listen(port, host));
    return true;
  } catch {
    return false;
  }
}

/** Chooses client and peer ports for `members` members, in member order. */
export async function pickMemberPorts(members: number, opts: PickPortsOptions = {}): Promise<MemberPorts[]> {
  const host = opts.host ?? LOOPBACK;
  const ports = opts.basePort === undefined ? await pickFreePorts(2 * members, host) : await checkFixedPorts(opts.basePort, 2 * members, host);
  return Array.from({ length: members }, (_, i) => ({ client: ports[2 * i] as number, peer: ports[2 * i + 1] as number }));
}

/**
 * Auto mode: let the kernel pick. All servers stay open until every port is chosen so the kernel cannot hand
 * out the same port twice; they are closed just before etcd binds them (a small, accepted race).
 */
async function pickFreePorts(count: number, host: string): Promise<number[]> {
  const held: net.Server[] = [];
  const chosen: number[] = [];
  try {
    while (chosen.length < count) {
      const server = await listen(0, host);
      held.push(server);
      const port = (server.address() as net.AddressInfo).port;
      if (!WELL_KNOWN_ETCD_PORTS.has(port)) chosen.push(port);
    }
  } finally {
    await Promise.all(held.map(close));
  }
  return chosen;
}

/** Fixed mode: every port of the layout must be bindable, else one InputError listing all taken ones. */
async function checkFixedPorts(basePort: number, count: number, host: string): Promise<number[]> {
  const last = basePort + count - 1;
  if (!Number.isInteger(basePort) || basePort < 1 || last > 65535) {
    throw new InputError(ErrorCodes.optionInvalid, `--base-port ${basePort} is invalid`, [
      {
        field: '--base-port',
        message: `needs ${count} consecutive ports from ${basePort}, but ports must be whole numbers in 1..65535`,
        fix: `pick a base port between 1024 and ${65535 - count + 1}, or omit --base-port to choose free ports`,
      },
    ]);
  }
  const ports = Array.from({ length: count }, (_, i) => basePort + i);
  const taken: { port: number; role: string; reason: string }[] = [];
  for (const [i, port] of ports.entries()) {
    try {
      await close(await listen(port, host));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      const role = `${i % 2 === 0 ? 'client' : 'peer'} port of etcd-${Math.floor(i / 2) + 1}`;
      taken.push({ port, role, reason: code === 'EADDRINUSE' ? 'already in use' : `cannot be bound (${code})` });
    }
  }
  if (taken.length > 0) {
    const list = taken.map((t) => t.port).join(', ');
    throw new InputError(
      ErrorCodes.portInUse,
      `--base-port ${basePort}: port${taken.length > 1 ? 's' : ''} ${list} on ${host} ${taken.length > 1 ? 'are' : 'is'} not available`,
      taken.map((t) => ({
        field: '--base-port',
        message: `port ${t.port} (${t.role}) on ${host} is ${t.reason}`,
        fix: `pick another --base-port (the cluster needs ports ${basePort}..${last}), or omit --base-port to choose free ports`,
      })),
    );
  }
  return ports;
}
