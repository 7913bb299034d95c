import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPhase } from '@etcdlab/common';
import { EtcdMember } from './helpers/etcd-member.js';
import { newNamespace, runPlan, workloadOf } from './helpers/phase-harness.js';

describe('watch latency, end to end against a real etcd member', () => {
  let member: EtcdMember;
  beforeAll(async () => {
    member = await EtcdMember.start();
  });
  afterAll(async () => {
    await member?.destroy();
  });

  it('times every event from its put to its delivery, for every watcher of every stream', async () => {
    const w = workloadOf(`name: w
phases:
  - name: watch
    ops: { put: 1 }
    rate: 200
    clients: 4
    total: 400
    watch: { streams: 4, watchersPerStream: 5 }
    keys: { distribution: uniform, space: 50 }
    value: { size: 32 }
`);
    const r = await runPlan(planPhase(w.phases[0]!, 1, newNamespace())[0]!, [member.clientUrl]);
    expect(r.mismatches).toEqual([]);
    const s = r.summary;
    expect(s.ops.put).toMatchObject({ count: 400, errors: 0 });
    expect(s.ops['watch-create']).toMatchObject({ count: 20, errors: 0 });
    // Each put reaches each of the 20 watchers, and every event carries its put's send time.
    expect(s.ops['watch-event']!.count).toBe(400 * 20);
    expect(s.ops['watch-event-untimed']).toBeUndefined();
    const ev = s.ops['watch-event']!.latencyUs;
    expect(ev.min).toBeGreaterThan(0);
    // An event cannot arrive before the put was applied: its latency is of the order of the put's.
    expect(ev.p50).toBeGreaterThan(s.ops.put!.serviceUs!.min / 2);
    expect(ev.p99).toBeLessThan(2_000_000);
    // Events are observations, not operations of the phase (the 20 watch creations are requests).
    expect(s.all.count).toBe(400 + 20);
  });

  it('times events across agents (the send time travels in the value, in coordinator time), and watches single keys', async () => {
    const w = workloadOf(`name: w
phases:
  - name: cross
    ops: { put: 1 }
    rate: 100
    clients: 4
    total: 200
    watch: { streams: 2, watchersPerStream: 5, on: key }
    keys: { distribution: sequential, space: 5 }
    value: { size: 64 }
`);
    const ns = newNamespace();
    const plans = planPhase(w.phases[0]!, 2, ns);
    const [a, b] = await Promise.all(plans.map((p, i) => runPlan(p, [member.clientUrl], { agentId: `agent-${i + 1}` })));
    for (const r of [a!, b!]) {
      expect(r.mismatches).toEqual([]);
      // 5 watchers per agent per stream... each agent's 5 watchers cover keys 0..4 once: every put of both
      // agents (200 in all) reaches exactly one watcher on each agent.
      expect(r.summary.ops['watch-event']!.count).toBe(200);
      expect(r.summary.ops['watch-event-untimed']).toBeUndefined();
      expect(r.summary.ops['watch-event']!.latencyUs.min).toBeGreaterThan(0);
    }
    expect(a!.summary.ops.put!.count + b!.summary.ops.put!.count).toBe(200);
  });
});
