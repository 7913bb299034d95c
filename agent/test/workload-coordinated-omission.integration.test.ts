import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPhase } from '@etcdlab/common';
import { wallNowMs } from '../src/phase-execution.js';
import { EtcdMember } from './helpers/etcd-member.js';
import { newNamespace, runPlan, workloadOf } from './helpers/phase-harness.js';

const PAUSE_MS = 1000;

describe('coordinated-omission correction against an etcd member paused with SIGSTOP', () => {
  let member: EtcdMember;
  beforeAll(async () => {
    member = await EtcdMember.start();
  });
  afterAll(async () => {
    member?.unpause();
    await member?.destroy();
  });

  it('open loop at a known rate: latency from the intended start shows the pause, service time does not', async () => {
    // 100 puts/s for 4 s with at most 5 in flight; the member is stopped for 1 s from t = 1.5 s. About 100
    // puts fall due during the pause: 5 are sent and hang, the other 95 find every client busy (late
    // starts) and go out after it; all of them are late by up to a second from when they were due.
    const w = workloadOf(`name: co
phases:
  - name: paused
    ops: { put: 1 }
    rate: 100
    clients: 5
    connections: 5
    duration: 4s
    keys: { distribution: uniform, space: 1000 }
    value: { size: 64 }
`);
    const timers: NodeJS.Timeout[] = [];
    let paused = 0;
    let resumed = 0;
    const r = await runPlan(planPhase(w.phases[0]!, 1, newNamespace())[0]!, [member.clientUrl], {
      leadMs: 200,
      onStart: (startAtMs) => {
        timers.push(
          setTimeout(() => {
            member.pause();
            paused = wallNowMs();
            timers.push(
              setTimeout(() => {
                member.unpause();
                resumed = wallNowMs();
              }, PAUSE_MS),
            );
          }, startAtMs + 1500 - wallNowMs()),
        );
      },
    });
    for (const t of timers) clearTimeout(t);
    member.unpause();
    const pauseMs = resumed - paused;
    expect(pauseMs).toBeGreaterThanOrEqual(PAUSE_MS - 5);
    expect(r.mismatches).toEqual([]);
    const put = r.summary.ops.put!;
    // Nothing lost and nothing skipped: the open loop keeps its schedule through the pause.
    expect(put.count + put.errors).toBe(400);
    expect(put.errors).toBe(0);
    // The first put due in the pause waited for all of it, measured from when it was due.
    expect(put.latencyUs.max).toBeGreaterThanOrEqual((pauseMs - 50) * 1000);
    expect(put.latencyUs.max).toBeLessThan((pauseMs + 1000) * 1000);
    // A quarter of the puts were due during the pause: the 95th percentile shows it...
    expect(put.latencyUs.p90).toBeGreaterThan(300_000);
    // ...while service times (from the actual send) only show it for the few puts in flight when it began.
    expect(put.serviceUs!.p90).toBeLessThan(100_000);
    expect(put.serviceUs!.max).toBeGreaterThan(put.serviceUs!.p90);
    // Starts that could not be made on time are counted: those due while every client hung on the paused
    // member, and a few more while the backlog drains just after it.
    expect(r.summary.lateStarts).toBeGreaterThan(60);
    expect(r.summary.lateStarts).toBeLessThan(150);
    // The interval of the pause carries it; the first interval does not.
    const first = r.summary.intervals[0]!;
    expect(first.latencyUs.max).toBeLessThan(300_000);
    expect(Math.max(...r.summary.intervals.map((i) => i.latencyUs.max))).toBeGreaterThanOrEqual((pauseMs - 50) * 1000);
  });
});
