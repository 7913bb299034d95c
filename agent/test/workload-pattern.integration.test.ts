import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPhase, type Workload } from '@etcdlab/common';
import { cleanEnv, EtcdMember, findEtcdctlBinary } from './helpers/etcd-member.js';
import { newNamespace, runPlan, workloadOf } from './helpers/phase-harness.js';

const run = promisify(execFile);

/** 60 keys per driver: 4 prefixes at level 2, 20 at level 3, 3 keys under each. */
const PATTERN = '/prefix/:ip/%a-%02d[4]/%b-%02d[5]/%leaf-%02d[3];[0-9]{20,30}';

describe('pattern phases (the etcd-driver load) against a real etcd member', () => {
  let member: EtcdMember;
  const etcdctl = async (...args: string[]): Promise<string> => (await run(findEtcdctlBinary(), ['--endpoints', member.clientUrl, ...args], { env: cleanEnv({ ETCDCTL_API: '3' }), timeout: 10_000 })).stdout;
  const count = async (prefix: string): Promise<number> => (JSON.parse(await etcdctl('get', '--prefix', '--keys-only', '-w', 'json', prefix)) as { count?: number }).count ?? 0;
  const ns = newNamespace();
  /** Runs phase i split over `agents` agents at once, like the coordinator would. */
  const phase = async (w: Workload, i: number, agents = 2) => {
    const runs = await Promise.all(planPhase(w.phases[i]!, agents, ns).map((p, a) => runPlan(p, [member.clientUrl], { agentId: `agent-${a + 1}` })));
    for (const r of runs) expect(r.mismatches).toEqual([]);
    const total = (op: string) => runs.reduce((a, r) => a + (r.summary.ops[op]?.count ?? 0), 0);
    const errors = runs.reduce((a, r) => a + r.summary.all.errors, 0);
    return { runs, total, errors };
  };
  const w = workloadOf(`name: p
patterns:
  tree: "${PATTERN}"
phases:
  - name: init
    pattern: { use: tree, drivers: 2 }
    clients: 4
  - name: churn-level
    pattern: { use: tree, drivers: 2, skip-init: true, churn-level-rate: 36000, churn-level: 3, churn-level-pct: 50 }
    clients: 4
    duration: 2s
  - name: steady
    pattern: { use: tree, drivers: 2, skip-init: true, churn-val-rate: 36000, get-rate: 36000, get-level: 2, watch-counts-per-level: "0,0,n", watch-with-prefix: true, watch-prefix-get-interval: 1s, leases: { active: 10, ttl: 10s } }
    clients: 6
    duration: 3s
`);

  beforeAll(async () => {
    member = await EtcdMember.start();
  });
  afterAll(async () => {
    await member?.destroy();
  });

  it('the initial load writes every key of every driver, each driver under its own :ip', async () => {
    const r = await phase(w, 0);
    expect(r.total('init-put')).toBe(120);
    expect(r.errors).toBe(0);
    expect(r.runs.map((x) => x.done.endedBy)).toEqual(['total', 'total']);
    expect(await count(`${ns}/prefix/`)).toBe(120);
    expect(await count(`${ns}/prefix/10.0.0.1/`)).toBe(60);
    expect(await count(`${ns}/prefix/10.0.0.2/`)).toBe(60);
    const value = (JSON.parse(await etcdctl('get', '-w', 'json', `${ns}/prefix/10.0.0.2/a-03/b-04/leaf-02`)) as { kvs: { value: string }[] }).kvs[0]!.value;
    expect(Buffer.from(value, 'base64').toString()).toMatch(/^[0-9]{20,30}$/);
  });

  it('churn-level deletes prefixes one per tick, then puts their keys back, alternating', async () => {
    const r = await phase(w, 1);
    expect(r.errors).toBe(0);
    const deletes = r.total('churn-delete');
    const puts = r.total('churn-put');
    // 10 ticks/s per driver for 2 s; a cycle deletes 10 of a driver's 20 level-3 prefixes, then restores them.
    expect(deletes + puts / 3).toBeGreaterThan(25);
    expect(puts % 3).toBe(0);
    // Every delete took 3 keys, every restore put 3 back.
    expect(await count(`${ns}/prefix/`)).toBe(120 - 3 * deletes + puts);
  });

  it('steady load: churn-val, get-level, watchers with prefix gets, leases; every watch event timed', async () => {
    const r = await phase(w, 2);
    expect(r.errors).toBe(0);
    const churned = r.total('churn-val');
    expect(churned).toBeGreaterThan(30); // 10/s per driver for 3 s
    expect(r.total('get-level')).toBeGreaterThan(30);
    expect(r.total('prefix-get')).toBeGreaterThanOrEqual(8 * 2); // 8 watchers, one get each per second
    expect(r.total('watch-create')).toBe(8); // every level-2 prefix of both drivers
    // Each churn-val put lands under exactly one watched prefix, and its own agent timed it.
    expect(r.total('watch-event')).toBe(churned);
    expect(r.total('watch-event-untimed')).toBe(0);
    // The lease test: grant, then put a key with the lease (1 per second per driver here).
    expect(r.total('lease-grant')).toBeGreaterThanOrEqual(4);
    expect(r.total('put-lease')).toBe(r.total('lease-grant'));
    expect(await count(`${ns}/lease/`)).toBe(r.total('put-lease'));
  });
});
