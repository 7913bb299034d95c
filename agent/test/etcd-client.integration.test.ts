import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient, EtcdRequestError } from '@etcdlab/agent/etcd';
import { EtcdMember, cleanEnv, findEtcdctlBinary, freePort } from './helpers/etcd-member.js';

const run = promisify(execFile);
const b = (s: string): Buffer => Buffer.from(s);
const DEADLINE = 5_000;

/** Runs the real etcdctl (v3 API) against the member. */
async function etcdctl(member: EtcdMember, ...args: string[]): Promise<string> {
  const { stdout } = await run(findEtcdctlBinary(), ['--endpoints', member.clientUrl, ...args], {
    env: cleanEnv({ ETCDCTL_API: '3' }),
    timeout: 10_000,
  });
  return stdout;
}

/** Key count under a prefix per etcdctl: --count-only where it exists (3.5+), else the count of a keys-only get. */
async function etcdctlCountPrefix(member: EtcdMember, prefix: string): Promise<number> {
  let out: string;
  try {
    out = await etcdctl(member, 'get', '--prefix', '--count-only', '-w', 'json', prefix);
  } catch (err) {
    if (!/unknown flag: --count-only/.test(String((err as { stderr?: string }).stderr))) throw err;
    out = await etcdctl(member, 'get', '--prefix', '--keys-only', '-w', 'json', prefix);
  }
  return (JSON.parse(out) as { count?: number }).count ?? 0;
}

/** Waits for a call's rejection and returns the EtcdRequestError. */
async function failure(p: Promise<unknown>): Promise<EtcdRequestError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EtcdRequestError);
  return err as EtcdRequestError;
}

/** TCP sockets currently keeping the event loop alive. */
const refdSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('EtcdClient against a real etcd member', () => {
  let member: EtcdMember;
  let client: EtcdClient;

  beforeAll(async () => {
    member = await EtcdMember.start();
    client = new EtcdClient({ endpoints: [member.clientUrl], connections: 2 });
  });

  afterAll(async () => {
    try {
      await client?.close();
    } finally {
      await member?.destroy();
    }
  });

  it('counts exactly the writes etcd acknowledged with a new revision (the witness)', async () => {
    const c = new EtcdClient({ endpoints: [member.clientUrl], connections: 1 });
    try {
      const before = (await c.range({ key: b('w/') }, DEADLINE)).header!.revision;
      await c.put(b('w/1'), b('x'), DEADLINE);
      await c.putRevision(b('w/2'), b('x'), 0n, DEADLINE);
      expect(await c.deleteRange(b('w/1'), undefined, DEADLINE)).toBe(1);
      expect(await c.deleteRange(b('w/missing'), undefined, DEADLINE)).toBe(0); // no revision
      await c.txn({ compare: [], success: [{ put: { key: b('w/3'), value: b('y') } }] }, DEADLINE);
      // A compare that fails, with a read-only failure branch: no revision.
      const miss = await c.txn({ compare: [{ key: b('w/3'), target: 'mod', result: 'equal', against: 1 }], success: [{ put: { key: b('w/3'), value: b('z') } }], failure: [{ range: { key: b('w/3') } }] }, DEADLINE);
      expect(miss.succeeded).toBe(false);
      await c.get(b('w/2'), { serializable: false }, DEADLINE);
      const after = (await c.range({ key: b('w/') }, DEADLINE)).header!.revision;
      expect(after - before).toBe(4);
      expect(c.writesAcknowledged).toBe(4);
    } finally {
      await c.close();
    }
  });

  it('put then get returns the value; an absent key is undefined', async () => {
    await client.put(b('t/put'), b('hello'), DEADLINE);
    expect((await client.get(b('t/put'), { serializable: false }, DEADLINE))?.toString()).toBe('hello');
    expect(await client.get(b('t/absent'), { serializable: false }, DEADLINE)).toBeUndefined();
    // The value etcdctl sees is the one we wrote.
    expect((await etcdctl(member, 'get', '--print-value-only', 't/put')).trim()).toBe('hello');
  });

  it('serializable get, binary keys/values and an empty value', async () => {
    const key = Buffer.from([0x74, 0x2f, 0x00, 0xff, 0x80]);
    const value = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await client.put(key, value, DEADLINE, 1);
    expect((await client.get(key, { serializable: true }, DEADLINE, 0))?.equals(value)).toBe(true);
    await client.put(b('t/empty'), Buffer.alloc(0), DEADLINE);
    expect((await client.get(b('t/empty'), { serializable: true }, DEADLINE))?.length).toBe(0);
  });

  it('deleteKey reports how many keys it deleted', async () => {
    await client.put(b('t/del'), b('x'), DEADLINE);
    expect(await client.deleteKey(b('t/del'), DEADLINE)).toBe(1);
    expect(await client.get(b('t/del'), { serializable: false }, DEADLINE)).toBeUndefined();
    expect(await client.deleteKey(b('t/del'), DEADLINE)).toBe(0);
  });

  it('countPrefix after N puts equals N and matches etcdctl', async () => {
    const N = 37;
    for (let i = 0; i < N; i++) await client.put(b(`count/${String(i).padStart(3, '0')}`), b(`v${i}`), DEADLINE);
    await client.put(b('count0'), b('outside the prefix "count/"'), DEADLINE);
    expect(await client.countPrefix(b('count/'), DEADLINE)).toBe(N);
    expect(await etcdctlCountPrefix(member, 'count/')).toBe(N);
    expect(await client.countPrefix(b('nothing-here/'), DEADLINE)).toBe(0);
  });

  it('rangePrefix honours limit and keysOnly', async () => {
    const page = await client.rangePrefix(b('count/'), { limit: 5 }, DEADLINE);
    expect(page.kvs.map((kv) => kv.key.toString())).toEqual(['count/000', 'count/001', 'count/002', 'count/003', 'count/004']);
    expect(page.kvs[2]!.value.toString()).toBe('v2');
    expect(page.more).toBe(true);
    expect(page.count).toBe(37);
    const keys = await client.rangePrefix(b('count/'), { keysOnly: true }, DEADLINE);
    expect(keys.kvs).toHaveLength(37);
    expect(keys.kvs.every((kv) => kv.value.length === 0)).toBe(true);
    expect(keys.more).toBe(false);
  });

  it('status reports version 3.4.x, the leader and the member id as etcdctl prints them', async () => {
    const s = await client.status(member.clientUrl, DEADLINE);
    expect(s.endpoint).toBe(member.clientUrl);
    expect(s.version).toMatch(/^3\.4\.\d+$/);
    expect(s.leader).toMatch(/^[0-9a-f]+$/);
    expect(s.leader).not.toBe('0');
    expect(s.memberId).toBe(s.leader); // single member: it leads
    expect(s.raftTerm).toBeGreaterThan(0);
    expect(s.raftIndex).toBeGreaterThan(0);
    expect(s.dbSize).toBeGreaterThan(0);
    expect(s.errors).toEqual([]);
    expect(s.isLearner).toBe(false);
    // etcdctl's simple output: endpoint, member id (hex), version, db size, leader?, learner?, term, index, ...
    const fields = (await etcdctl(member, 'endpoint', 'status')).trim().split(', ');
    expect(fields[1]).toBe(s.memberId);
    expect(fields[2]).toBe(s.version);
  });

  it('lists, adds and removes members as etcdctl sees them (the Cluster service)', async () => {
    const members = await client.memberList(DEADLINE);
    const listed = JSON.parse(await etcdctl(member, 'member', 'list', '-w', 'json')) as { members: { ID: number | string; name: string; peerURLs: string[] }[] };
    expect(members).toHaveLength(1);
    expect(members[0]?.name).toBe(listed.members[0]?.name);
    expect(members[0]?.peerUrls).toEqual(listed.members[0]?.peerURLs);
    expect(members[0]?.clientUrls).toEqual([member.clientUrl]);
    // A learner does not count for quorum: a one-member cluster stays available with it added and not started.
    const peer = `http://127.0.0.1:${await freePort()}`;
    const { added, members: after } = await client.memberAdd([peer], DEADLINE, { learner: true });
    expect(added.peerUrls).toEqual([peer]);
    expect(added.isLearner).toBe(true);
    expect(added.name).toBe('');
    expect(after.map((m) => m.id).sort()).toEqual([members[0]?.id, added.id].sort());
    expect(await etcdctl(member, 'member', 'list')).toContain(added.id.toString(16));
    const left = await client.memberRemove(added.id, DEADLINE);
    expect(left.map((m) => m.id)).toEqual([members[0]?.id]);
    expect(await etcdctl(member, 'member', 'list')).not.toContain(added.id.toString(16));
    // An id that is not a member is refused with etcd's own status.
    const err = await failure(client.memberRemove(added.id, DEADLINE));
    expect(err.codeName).toBe('NOT_FOUND');
  });

  it('a value over the request size limit fails with a gRPC code, and the client keeps working', async () => {
    // Above --max-request-bytes (1.5 MiB): etcd itself refuses it.
    const tooLarge = await failure(client.put(b('t/big'), Buffer.alloc(1_800_000), DEADLINE));
    expect(tooLarge.codeName).toBe('INVALID_ARGUMENT');
    expect(tooLarge.grpcMessage).toMatch(/request is too large/);
    // Above gRPC's receive limit (max-request-bytes + 512 KiB): the gRPC layer refuses it.
    const tooLargeForGrpc = await failure(client.put(b('t/big'), Buffer.alloc(3 * 1024 * 1024), DEADLINE));
    expect(tooLargeForGrpc.codeName).toBe('RESOURCE_EXHAUSTED');
    expect(tooLargeForGrpc.grpcMessage).toMatch(/larger than max/);
    await client.put(b('t/after-big'), b('ok'), DEADLINE);
    expect(await client.get(b('t/big'), { serializable: false }, DEADLINE)).toBeUndefined();
  });

  it('1000 concurrent puts over 4 connections all succeed', async () => {
    const wide = new EtcdClient({ endpoints: [member.clientUrl], connections: 4 });
    try {
      const value = Buffer.alloc(100, 'x');
      const puts = Array.from({ length: 1000 }, (_, i) => wide.put(b(`many/${i}`), value, 20_000));
      const results = await Promise.allSettled(puts);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(await wide.countPrefix(b('many/'), DEADLINE)).toBe(1000);
      for (let i = 0; i < 4; i++) expect(wide.connection(i)?.sessionsOpened).toBe(1);
    } finally {
      await wide.close();
    }
  });

  it('an idle client does not keep the process alive; an in-flight call does', async () => {
    const before = refdSockets();
    const p = client.get(b('t/put'), { serializable: true }, DEADLINE);
    expect(refdSockets()).toBeGreaterThan(before);
    await p;
    expect(refdSockets()).toBe(before);
  });

  it('a call to a paused (SIGSTOP) member fails with DEADLINE_EXCEEDED at the deadline', async () => {
    await client.put(b('t/pause'), b('before'), DEADLINE, 0); // session is up
    member.pause();
    try {
      const started = performance.now();
      const err = await failure(client.put(b('t/pause'), b('during'), 500, 0));
      const elapsed = performance.now() - started;
      expect(err.codeName).toBe('DEADLINE_EXCEEDED');
      expect(err.code).toBe(4);
      expect(elapsed).toBeGreaterThanOrEqual(490);
      expect(elapsed).toBeLessThan(1_200);
      // A fresh session to a hung member (TCP accepted by the kernel, no HTTP/2) also honours the deadline.
      const fresh = new EtcdClient({ endpoints: [member.clientUrl], connections: 1 });
      const t1 = performance.now();
      expect((await failure(fresh.get(b('t/pause'), { serializable: true }, 300))).codeName).toBe('DEADLINE_EXCEEDED');
      expect(performance.now() - t1).toBeLessThan(800);
      // close() with a call in flight to the hung member: bounded grace, then the call is cancelled.
      const inFlight = failure(fresh.put(b('t/pause'), b('never'), 60_000));
      const t2 = performance.now();
      await fresh.close();
      expect(performance.now() - t2).toBeLessThan(4_000);
      expect((await inFlight).codeName).toBe('CANCELLED');
    } finally {
      member.unpause();
    }
    // Once resumed, the same connection works again. (A fresh key: etcd may still apply the writes that
    // timed out or were cancelled while it was stopped, in any order relative to this one.)
    await client.put(b('t/pause-after'), b('after'), DEADLINE, 0);
    expect((await client.get(b('t/pause-after'), { serializable: false }, DEADLINE, 0))?.toString()).toBe('after');
  });

  it('connection refused is UNAVAILABLE; after the member is back the same client works on a new session', async () => {
    const conn = client.connection(0)!;
    await client.put(b('t/restart'), b('before'), DEADLINE, 0);
    const sessionsBefore = conn.sessionsOpened;
    await member.stop();
    const err = await failure(client.put(b('t/restart'), b('while down'), DEADLINE, 0));
    expect(err.codeName).toBe('UNAVAILABLE');
    expect(err.code).toBe(14);
    const refused = await failure(client.get(b('t/restart'), { serializable: true }, DEADLINE, 0));
    expect(refused.codeName).toBe('UNAVAILABLE');
    expect(refused.message).toMatch(/ECONNREFUSED/);
    await member.restart();
    await client.put(b('t/restart'), b('after'), DEADLINE, 0);
    expect((await client.get(b('t/restart'), { serializable: false }, DEADLINE, 0))?.toString()).toBe('after');
    expect(conn.sessionsOpened).toBeGreaterThan(sessionsBefore);
  });

  it('rejects calls after close()', async () => {
    const c = new EtcdClient({ endpoints: [member.clientUrl], connections: 1 });
    await c.put(b('t/close'), b('x'), DEADLINE);
    await c.close();
    expect((await failure(c.put(b('t/close'), b('y'), DEADLINE))).codeName).toBe('CANCELLED');
  });
});
