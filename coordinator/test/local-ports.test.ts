import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EtcdlabError, InputError } from '@etcdlab/common';
import { isPortFree, pickMemberPorts } from '../src/cluster/local/ports.js';
import { freeBasePort } from './helpers/local-etcd.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function occupy(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      servers.push(s);
      resolve(s);
    });
  });
}

async function rejection(p: Promise<unknown>): Promise<EtcdlabError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EtcdlabError);
  return err as EtcdlabError;
}

describe('pickMemberPorts, auto mode', () => {
  it('returns 2N distinct, currently free loopback ports, never etcd\'s 2379/2380', async () => {
    const ports = await pickMemberPorts(7);
    expect(ports).toHaveLength(7);
    const all = ports.flatMap((p) => [p.client, p.peer]);
    expect(new Set(all).size).toBe(14);
    for (const p of all) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThanOrEqual(65535);
      expect([2379, 2380]).not.toContain(p);
      expect(await isPortFree(p)).toBe(true);
    }
  });

  it('skips ports that are taken', async () => {
    const taken = await occupy(0);
    const takenPort = (taken.address() as net.AddressInfo).port;
    const all = (await pickMemberPorts(3)).flatMap((p) => [p.client, p.peer]);
    expect(all).not.toContain(takenPort);
  });
});

describe('pickMemberPorts, fixed base port', () => {
  it('lays out client = base+2i and peer = base+2i+1', async () => {
    const base = await freeBasePort(6);
    expect(await pickMemberPorts(3, { basePort: base })).toEqual([
      { client: base, peer: base + 1 },
      { client: base + 2, peer: base + 3 },
      { client: base + 4, peer: base + 5 },
    ]);
  });

  it('a taken port is an input error (exit 2) naming --base-port, the port and the fix', async () => {
    const base = await freeBasePort(6);
    await occupy(base + 3);
    const err = await rejection(pickMemberPorts(3, { basePort: base }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('E_PORT_IN_USE');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('--base-port');
    expect(err.message).toContain(String(base + 3));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]?.field).toBe('--base-port');
    expect(err.problems[0]?.message).toContain('peer port of etcd-2');
    expect(err.problems[0]?.fix).toMatch(/another --base-port.*omit --base-port/);
    expect(err.describe()).toContain(String(base + 3));
  });

  it('lists every taken port', async () => {
    const base = await freeBasePort(4);
    await occupy(base);
    await occupy(base + 2);
    const err = await rejection(pickMemberPorts(2, { basePort: base }));
    expect(err.code).toBe('E_PORT_IN_USE');
    expect(err.problems.map((p) => p.message)).toEqual([
      expect.stringContaining(`port ${base} (client port of etcd-1)`),
      expect.stringContaining(`port ${base + 2} (client port of etcd-2)`),
    ]);
  });

  it.each([0, -1, 1.5, 65535, 65531])('base port %s that does not fit is E_OPTION_INVALID', async (base) => {
    const err = await rejection(pickMemberPorts(3, { basePort: base }));
    expect(err.code).toBe('E_OPTION_INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.problems[0]?.field).toBe('--base-port');
  });
});

describe('isPortFree', () => {
  it('is false for a port someone listens on, true once released', async () => {
    const s = await occupy(0);
    const port = (s.address() as net.AddressInfo).port;
    expect(await isPortFree(port)).toBe(false);
    await new Promise((r) => s.close(r));
    servers.splice(servers.indexOf(s), 1);
    expect(await isPortFree(port)).toBe(true);
  });
});
