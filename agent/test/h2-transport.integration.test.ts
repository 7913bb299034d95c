/**
 * The lean HTTP/2 transport against real etcd members: flow control in both directions with ~1 MB values,
 * the server's concurrency limit, server PINGs (keepalive), GOAWAY on a graceful stop, and streaming calls.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, EtcdClient, EtcdRequestError, ProtoReader, ProtoWriter, RangeRequestEncoder, Rpc, decodeRangeResponse, encodeFrame } from '@etcdlab/agent/etcd';
import type { MessageEncoder } from '@etcdlab/agent/etcd';
import { EtcdMember } from './helpers/etcd-member.js';

const b = (s: string): Buffer => Buffer.from(s);
const DEADLINE = 10_000;
const MB = 1_000_000;

describe('lean HTTP/2 transport: flow control', () => {
  let member: EtcdMember;
  let client: EtcdClient;

  beforeAll(async () => {
    member = await EtcdMember.start({ extraArgs: ['--max-request-bytes', String(2 * 1024 * 1024)] });
    client = new EtcdClient({ endpoints: [member.clientUrl], connections: 1 });
  });

  afterAll(async () => {
    await client?.close();
    await member?.destroy();
  });

  it('sends eight ~1 MB values at once on one connection (windows of 64 KiB) and reads each back intact', async () => {
    const values = Array.from({ length: 8 }, () => randomBytes(MB));
    await Promise.all(values.map((v, i) => client.put(b(`big/${i}`), v, DEADLINE, 0)));
    for (let i = 0; i < values.length; i++) {
      const got = await client.get(b(`big/${i}`), { serializable: true }, DEADLINE, 0);
      expect(got?.equals(values[i]!)).toBe(true);
    }
    expect(client.connection(0)?.sessionsOpened).toBe(1);
  });

  it('receives a ~4 MB range response, beyond the 1 MiB stream window, by granting window as it reads', async () => {
    const page = await client.rangePrefix(b('big/'), { limit: 4 }, DEADLINE, 0);
    expect(page.kvs).toHaveLength(4);
    expect(page.kvs.every((kv) => kv.value.length === MB)).toBe(true);
    const all = await client.rangePrefix(b('big/'), {}, DEADLINE, 0); // ~8 MB
    expect(all.kvs).toHaveLength(8);
  });
});

describe('lean HTTP/2 transport: server limits and keepalive', () => {
  let member: EtcdMember;

  beforeAll(async () => {
    member = await EtcdMember.start({
      extraArgs: ['--max-concurrent-streams', '4', '--grpc-keepalive-interval', '1s', '--grpc-keepalive-timeout', '1s'],
    });
  });

  afterAll(async () => {
    await member?.destroy();
  });

  it('queues streams beyond the server MAX_CONCURRENT_STREAMS instead of having them refused', async () => {
    const client = new EtcdClient({ endpoints: [member.clientUrl], connections: 1 });
    try {
      await client.put(b('warm'), b('x'), DEADLINE); // learn the server's settings first
      const results = await Promise.allSettled(Array.from({ length: 300 }, (_, i) => client.put(b(`limit/${i}`), b('v'), DEADLINE)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(await client.countPrefix(b('limit/'), DEADLINE)).toBe(300);
      expect(client.connection(0)?.sessionsOpened).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('answers the server keepalive PINGs, so an idle session survives', async () => {
    const client = new EtcdClient({ endpoints: [member.clientUrl], connections: 1 });
    try {
      await client.put(b('ka'), b('1'), DEADLINE);
      // etcd pings after 1 s idle and drops the connection if no ACK comes within 1 s.
      await new Promise((r) => setTimeout(r, 3_500));
      await client.put(b('ka'), b('2'), DEADLINE);
      expect(client.connection(0)?.sessionsOpened).toBe(1);
    } finally {
      await client.close();
    }
  });
});

describe('lean HTTP/2 transport: GOAWAY and restart', () => {
  let member: EtcdMember;

  beforeAll(async () => {
    member = await EtcdMember.start();
  });

  afterAll(async () => {
    await member?.destroy();
  });

  it('PINGs are answered; too many of them earn a real GOAWAY, and the next call opens a new session', async () => {
    const conn = new Connection(member.clientUrl);
    const client = new EtcdClient({ endpoints: [member.clientUrl], connections: 1 });
    try {
      const rtt = await conn.ping();
      expect(rtt).toBeGreaterThan(0);
      expect(rtt).toBeLessThan(1_000);
      // etcd enforces a 5 s minimum between client pings: the third strike is answered with
      // GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings") and the connection is closed.
      const storm = Array.from({ length: 6 }, () => conn.ping().then(() => 'ack', () => 'failed'));
      const results = await Promise.all(storm);
      expect(results).toContain('failed');
      expect(conn.goawaysReceived).toBe(1);
      const range = await conn.unary(Rpc.range, encodeFrame(RangeRequestEncoder, { key: b('nothing') }), DEADLINE, decodeRangeResponse);
      expect(range.kvs).toEqual([]);
      expect(conn.sessionsOpened).toBe(2);
    } finally {
      await conn.close();
      await client.close();
    }
  });

  it('calls in flight while the member stops succeed or fail UNAVAILABLE; after a restart a new session works', async () => {
    const client = new EtcdClient({ endpoints: [member.clientUrl], connections: 1 });
    const conn = client.connection(0)!;
    try {
      await client.put(b('stop/warm'), b('x'), DEADLINE);
      const outcomes: string[] = [];
      let stop = false;
      const writer = (async () => {
        for (let i = 0; i < 5_000 && !stop; i++) {
          await client.put(b(`stop/${i}`), b('v'), 2_000).then(
            () => outcomes.push('ok'),
            (e: EtcdRequestError) => outcomes.push(e.codeName),
          );
        }
      })();
      await new Promise((r) => setTimeout(r, 200));
      await member.stop();
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await writer;
      expect(new Set(outcomes)).toEqual(new Set(['ok', 'UNAVAILABLE']));
      await member.restart();
      const before = conn.sessionsOpened;
      await client.put(b('stop/after'), b('y'), DEADLINE);
      expect(conn.sessionsOpened).toBe(before + 1);
      // Every put reported as done is really stored.
      expect(await client.countPrefix(b('stop/'), DEADLINE)).toBeGreaterThanOrEqual(outcomes.filter((o) => o === 'ok').length + 2);
    } finally {
      await client.close();
    }
  });
});

// Minimal Watch messages (etcdserverpb.WatchRequest / WatchResponse), written here so this test does not
// depend on the client's own Watch code.
const watchCreate: MessageEncoder<{ key: Buffer; rangeEnd: Buffer }> = {
  size: (m) => {
    const inner = 2 + m.key.length + 2 + m.rangeEnd.length;
    return 2 + inner;
  },
  write: (w: ProtoWriter, m) => {
    w.tag(1, 2);
    w.varint(2 + m.key.length + 2 + m.rangeEnd.length);
    w.bytes(1, m.key);
    w.bytes(2, m.rangeEnd);
  },
};

function watchResponse(msg: Buffer): { created: boolean; keys: string[] } {
  const r = new ProtoReader(msg);
  const out = { created: false, keys: [] as string[] };
  while (r.more()) {
    const tag = r.varint();
    if (tag === (3 << 3)) out.created = r.bool();
    else if (tag === ((11 << 3) | 2)) {
      const ev = new ProtoReader(msg, r.lengthDelimited(), r.pos);
      while (ev.more()) {
        const t = ev.varint();
        if (t === ((2 << 3) | 2)) {
          const kv = new ProtoReader(msg, ev.lengthDelimited(), ev.pos);
          while (kv.more()) {
            const k = kv.varint();
            if (k === ((1 << 3) | 2)) out.keys.push(kv.bytes().toString());
            else kv.skip(k & 7);
          }
        } else ev.skip(t & 7);
      }
    } else r.skip(tag & 7);
  }
  return out;
}

describe('lean HTTP/2 transport: streaming calls', () => {
  let member: EtcdMember;

  beforeAll(async () => {
    member = await EtcdMember.start();
  });

  afterAll(async () => {
    await member?.destroy();
  });

  it('a Watch stream delivers events for puts, and ends with CANCELLED when cancelled', async () => {
    const conn = new Connection(member.clientUrl);
    const client = new EtcdClient({ endpoints: [member.clientUrl], connections: 1 });
    const seen: string[] = [];
    let created = false;
    let ended: EtcdRequestError | undefined | 'open' = 'open';
    const call = conn.stream({ path: '/etcdserverpb.Watch/Watch', name: 'Watch.Watch' }, {
      onMessage: (msg) => {
        const res = watchResponse(msg);
        created ||= res.created;
        seen.push(...res.keys);
      },
      onEnd: (err) => (ended = err),
    });
    try {
      call.send(encodeFrame(watchCreate, { key: b('w/'), rangeEnd: b('w0') }));
      for (let i = 0; i < 100 && !created; i++) await new Promise((r) => setTimeout(r, 20));
      expect(created).toBe(true);
      for (const k of ['w/1', 'w/2', 'w/3', 'x/outside']) await client.put(b(k), b('v'), DEADLINE);
      for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(['w/1', 'w/2', 'w/3']);
      call.cancel();
      expect((ended as unknown as EtcdRequestError).codeName).toBe('CANCELLED');
      // The session still serves unary calls after the stream is gone.
      const range = await conn.unary(Rpc.range, encodeFrame(RangeRequestEncoder, { key: b('w/1') }), DEADLINE, decodeRangeResponse);
      expect(range.kvs[0]?.value.toString()).toBe('v');
    } finally {
      await conn.close();
      await client.close();
    }
  });

  it('a half-closed LeaseKeepAlive ends OK after its answer; a stopped member ends an open Watch with UNAVAILABLE', async () => {
    const ends: Array<EtcdRequestError | undefined> = [];
    const messages: Buffer[] = [];
    const conn = new Connection(member.clientUrl);
    try {
      const handler = { onMessage: (m: Buffer) => void messages.push(Buffer.from(m)), onEnd: (e: EtcdRequestError | undefined) => void ends.push(e) };
      // LeaseKeepAliveRequest{ID: 1}: an unknown lease is answered with TTL 0; etcd returns OK on half-close.
      const ka = conn.stream({ path: '/etcdserverpb.Lease/LeaseKeepAlive', name: 'Lease.LeaseKeepAlive' }, handler);
      ka.send(Buffer.from([0, 0, 0, 0, 2, 0x08, 0x01]));
      ka.end();
      for (let i = 0; i < 100 && ends.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
      expect(ends).toEqual([undefined]);
      expect(messages).toHaveLength(1);
      const watch = conn.stream({ path: '/etcdserverpb.Watch/Watch', name: 'Watch.Watch' }, handler);
      watch.send(encodeFrame(watchCreate, { key: b('o/'), rangeEnd: b('o0') }));
      await new Promise((r) => setTimeout(r, 200));
      await member.stop();
      for (let i = 0; i < 100 && ends.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(ends[1]?.codeName).toBe('UNAVAILABLE');
      // A stream asked of a closed connection ends with CANCELLED, asynchronously; using it is harmless.
      await conn.close();
      const late = conn.stream({ path: '/etcdserverpb.Watch/Watch', name: 'Watch.Watch' }, handler);
      late.send(encodeFrame(watchCreate, { key: b('l/'), rangeEnd: b('l0') }));
      late.end();
      await new Promise((r) => setTimeout(r, 10));
      expect(ends[2]?.codeName).toBe('CANCELLED');
      expect(late.open).toBe(false);
    } finally {
      await conn.close();
      if (member.pid === undefined) await member.restart();
    }
  });
});
