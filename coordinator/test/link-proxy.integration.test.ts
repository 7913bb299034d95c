/**
 * The local cluster's link proxy over real sockets (the members' peer traffic goes through it when a
 * workload has link faults): a cut holds the data and loses nothing, a delay holds each piece, a peer
 * connection is told by its X-Server-From header, and the rules apply to connections already open.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { LinkFault } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LinkProxy, startLinkProxy } from '../src/cluster/local/link-proxy.js';
import { LinkTable } from '../src/cluster/local/link-table.js';

let echo: Server;
let echoPort = 0;
beforeAll(async () => {
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => echo.close(() => r())));

const cut = (from: LinkFault['from']): LinkFault => ({ from, cut: true, delayMs: 0, jitterMs: 0, dropShare: 0 });

async function open(proxy: LinkProxy): Promise<{ sock: Socket; received: () => string }> {
  const sock = connect({ host: '127.0.0.1', port: proxy.port });
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString()));
  await new Promise<void>((r) => sock.once('connect', () => r()));
  return { sock, received: () => got };
}
const until = async (ok: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return ok();
};

describe('the link proxy', () => {
  it('forwards both ways; a cut holds everything, on a connection already open, and loses nothing when it heals', async () => {
    const table = new LinkTable();
    const proxy = await startLinkProxy({ member: 'etcd-1', kind: 'client', targetPort: echoPort, rules: table, nameOfId: () => undefined });
    const c = await open(proxy);
    c.sock.write('one;');
    expect(await until(() => c.received() === 'one;', 2000)).toBe(true);
    table.set('etcd-1', cut('clients'));
    c.sock.write('two;');
    await new Promise((r) => setTimeout(r, 300));
    expect(c.received()).toBe('one;');
    table.clear('etcd-1');
    expect(await until(() => c.received() === 'one;two;', 2000)).toBe(true);
    // A cut from peers only leaves client links alone.
    table.set('etcd-1', cut('peers'));
    c.sock.write('three;');
    expect(await until(() => c.received() === 'one;two;three;', 2000)).toBe(true);
    c.sock.destroy();
    await proxy.close();
  });

  it('delays each piece by ms, in order', async () => {
    const table = new LinkTable();
    const proxy = await startLinkProxy({ member: 'etcd-1', kind: 'peer', targetPort: echoPort, rules: table, nameOfId: () => undefined });
    table.set('etcd-1', { from: 'peers', cut: false, delayMs: 150, jitterMs: 0, dropShare: 0 });
    const c = await open(proxy);
    const t0 = performance.now();
    c.sock.write('a');
    c.sock.write('b');
    expect(await until(() => c.received() === 'ab', 3000)).toBe(true);
    // Both ways through the proxy: at least two delays.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    c.sock.destroy();
    await proxy.close();
  });

  it('a peer connection is cut when its sender (X-Server-From) is the partitioned member', async () => {
    const table = new LinkTable();
    const proxy = await startLinkProxy({ member: 'etcd-2', kind: 'peer', targetPort: echoPort, rules: table, nameOfId: (id) => ({ a1: 'etcd-1', b2: 'etcd-3' })[id] });
    table.set('etcd-1', cut('peers'));
    const fromIsolated = await open(proxy);
    const fromOther = await open(proxy);
    fromIsolated.sock.write('GET /raft/stream/message/b2 HTTP/1.1\r\nHost: x\r\nX-Server-From: a1\r\n\r\n');
    fromOther.sock.write('GET /raft/stream/message/a1 HTTP/1.1\r\nHost: x\r\nX-Server-From: b2\r\n\r\n');
    expect(await until(() => fromOther.received().startsWith('GET'), 2000)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(fromIsolated.received()).toBe('');
    table.clear('etcd-1');
    expect(await until(() => fromIsolated.received().startsWith('GET'), 2000)).toBe(true);
    fromIsolated.sock.destroy();
    fromOther.sock.destroy();
    await proxy.close();
  });
});
