import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, EtcdMember, findEtcdctlBinary } from './helpers/etcd-member.js';
import { newNamespace, planOf, runPlan, workloadOf } from './helpers/phase-harness.js';

const run = promisify(execFile);

describe('every operation of the mix against a real etcd member', () => {
  let member: EtcdMember;
  const etcdctl = async (...args: string[]): Promise<string> => (await run(findEtcdctlBinary(), ['--endpoints', member.clientUrl, ...args], { env: cleanEnv({ ETCDCTL_API: '3' }), timeout: 10_000 })).stdout;
  const count = async (prefix: string): Promise<number> => (JSON.parse(await etcdctl('get', '--prefix', '--keys-only', '-w', 'json', prefix)) as { count?: number }).count ?? 0;
  const phase = async (yaml: string, ns = newNamespace()) => {
    const r = await runPlan(planOf(workloadOf(`name: t\nphases:\n${yaml}`), 0, ns), [member.clientUrl]);
    expect(r.mismatches).toEqual([]);
    return { ...r, ns };
  };

  beforeAll(async () => {
    member = await EtcdMember.start();
  });
  afterAll(async () => {
    await member?.destroy();
  });

  it('runs a mix of all of them: every entry is recorded; errors only where etcd answers a race', async () => {
    const { summary } = await phase(`  - name: all
    clients: 4
    total: 900
    keys: { distribution: uniform, space: 40 }
    value: { size: 64 }
    lease: { ttl: 30s, pool: 8 }
    ops: { put: 1, get: 1, get-rev: { op: get, revision: last }, delete: 1, range: { limit: 10 }, count: { op: range, countOnly: true }, delete-range: { span: 5 }, txn-put: { ops: 3 }, cas: 1, create: 1, cas-delete: 1, lease-grant: 1, lease-keepalive: 1, lease-revoke: 1, put-lease: 1, compact: { weight: 0.3, retain: 5 } }
`);
    for (const name of ['put', 'get', 'get-rev', 'delete', 'range', 'count', 'delete-range', 'txn-put', 'lease-grant', 'lease-keepalive', 'put-lease']) {
      expect(summary.ops[name]?.count ?? 0, name).toBeGreaterThan(0);
    }
    // Guarded writes are recorded under their name or <name>-miss (the compare failed), never as errors.
    for (const name of ['cas', 'create', 'cas-delete']) expect((summary.ops[name]?.count ?? 0) + (summary.ops[`${name}-miss`]?.count ?? 0), name).toBeGreaterThan(0);
    expect((summary.ops.compact?.count ?? 0) + (summary.ops['compact-skip']?.count ?? 0)).toBeGreaterThan(0);
    // What etcd answers when ops of one agent race: a put with a lease another client just revoked
    // (NOT_FOUND), a compaction overtaken by a later one on another connection (OUT_OF_RANGE).
    for (const code of Object.keys(summary.all.errorsByCode)) expect(['NOT_FOUND', 'OUT_OF_RANGE']).toContain(code);
    expect(Object.keys(summary.ops['put-lease']?.errorsByCode ?? {}).every((c) => c === 'NOT_FOUND')).toBe(true);
    expect(summary.all.count + summary.all.errors).toBe(900);
  });

  it('txn-put writes its N keys per transaction; delete-range deletes spans', async () => {
    const ns = newNamespace();
    const w = await phase('  - { name: txn, ops: { txn-put: { ops: 3 } }, clients: 3, total: 100, keys: { prefix: t, space: 300 } }\n', ns);
    expect(w.summary.ops['txn-put']).toMatchObject({ count: 100, errors: 0 });
    expect(await count(`${ns}/t/`)).toBe(300);
    const d = await phase('  - { name: del, ops: { delete-range: { span: 10 } }, clients: 1, total: 30, keys: { prefix: t, space: 300 } }\n', ns);
    expect(d.summary.ops['delete-range']).toMatchObject({ count: 30, errors: 0 });
    // Ops 0..29 delete [j, j + 10): keys 0..38 are gone.
    expect(await count(`${ns}/t/`)).toBe(300 - 39);
  });

  it('cas puts when the mod revision matches, else records a miss and learns the key\'s revision', async () => {
    const ns = newNamespace();
    const mk = (total: number) => `  - { name: cas, ops: { cas: 1 }, clients: 1, total: ${total}, keys: { prefix: c, space: 10 } }\n`;
    // New keys: mod revision 0 is what an agent that never saw them expects.
    expect((await phase(mk(10), ns)).summary.ops.cas).toMatchObject({ count: 10, errors: 0 });
    // A fresh agent expects 0 again: every compare fails once, then it knows the revision and succeeds.
    const again = await phase(mk(20), ns);
    expect(again.summary.ops['cas-miss']!.count).toBe(10);
    expect(again.summary.ops.cas!.count).toBe(10);
    // create: only absent keys (the 10 above exist, the 5 under c2 do not).
    const exists = await phase('  - { name: cr, ops: { create: 1 }, clients: 1, total: 10, keys: { prefix: c, space: 10 } }\n', ns);
    expect(exists.summary.ops['create-miss']!.count).toBe(10);
    expect(exists.summary.ops.create).toBeUndefined();
    const fresh = await phase('  - { name: cr, ops: { create: 1 }, clients: 1, total: 5, keys: { prefix: c2, space: 5 } }\n', ns);
    expect(fresh.summary.ops.create!.count).toBe(5);
    expect(await count(`${ns}/c`)).toBe(15);
  });

  it('leases: put-lease, keep-alive and revoke grant a lease first when the pool is empty, then use it', async () => {
    const ns = newNamespace();
    const put = await phase('  - { name: pl, ops: { put-lease: 1 }, lease: { ttl: 60s, pool: 1 }, clients: 1, total: 20, keys: { prefix: l, space: 100 } }\n', ns);
    expect(put.summary.ops['lease-grant']!.count).toBe(1);
    expect(put.summary.ops['put-lease']!.count).toBe(19);
    const kv = JSON.parse(await etcdctl('get', '--prefix', '-w', 'json', `${ns}/l/`)) as { kvs?: { lease?: number }[] };
    expect(kv.kvs).toHaveLength(19);
    expect(kv.kvs!.every((x) => (x.lease ?? 0) !== 0)).toBe(true);
    const ka = await phase('  - { name: ka, ops: { lease-keepalive: 1 }, clients: 2, connections: 1, total: 60 }\n');
    expect(ka.summary.ops['lease-grant']!.count).toBe(2);
    expect(ka.summary.ops['lease-keepalive']).toMatchObject({ count: 58, errors: 0 });
    const rv = await phase('  - { name: rv, ops: { lease-revoke: 1 }, clients: 1, total: 10 }\n');
    // Alternates: a grant (empty pool), then its revoke.
    expect(rv.summary.ops['lease-grant']!.count).toBe(5);
    expect(rv.summary.ops['lease-revoke']).toMatchObject({ count: 5, errors: 0 });
  });

  it('compaction removes history below the newest revision seen minus retain', async () => {
    const ns = newNamespace();
    const c = await phase('  - { name: cp, ops: { put: 1, compact: { weight: 0.05, retain: 10 } }, clients: 1, total: 300, keys: { prefix: k, space: 50 } }\n', ns);
    expect(c.summary.ops.compact!.count).toBeGreaterThan(0);
    expect(c.summary.all.errors).toBe(0);
    const failure = await etcdctl('get', '--rev', '2', `${ns}/k/01`).then(
      () => '',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(failure).toMatch(/compacted/);
  });
});
