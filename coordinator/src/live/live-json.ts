import { isObservation } from '@etcdlab/common';
import type { LiveAgent, LiveModel, LivePhase } from './live-model.js';

/** What the live page polls (/live.json): small, one phase's per-second points at a time. */
export interface LiveJson {
  runId: string;
  workload: string;
  nowMs: number;
  running?: string;
  phases: (LivePhase & { count: number; errors: number })[];
  agents: LiveAgent[];
  agentsConnected: number;
  agentsExpected: number;
  /** The phase asked for (?phase=), else the running one, else the last that ran. */
  series?: {
    phase: string;
    latest?: { t: number; okPerSec: number; errorsPerSec: number };
    /** Per op: [seconds from the measured start, ok/s, errors/s, p50 ms, p99 ms, max ms]. */
    ops: Record<string, [number, number, number, number, number, number][]>;
  };
  members: { member: string; up: boolean; isLeader?: boolean; hasLeader?: boolean; dbBytes?: number }[];
}

const gauge = (series: { value?: number }[] | undefined): number | undefined => series?.[0]?.value;

export function liveJson(model: LiveModel, nowMs: number, phase?: string): LiveJson {
  const counts = model.counts();
  const s = model.seriesOf(phase);
  const running = model.runningPhase();
  return {
    runId: model.runId,
    workload: model.workload.name,
    nowMs,
    ...(running ? { running } : {}),
    phases: model.phaseList().map((p) => {
      const ops = (counts.get(p.name) ?? []).filter((o) => !isObservation(o.op));
      return { ...p, count: ops.reduce((a, o) => a + o.count, 0), errors: ops.reduce((a, o) => a + o.errors, 0) };
    }),
    agents: model.agentList(),
    agentsConnected: model.agentsConnected(),
    agentsExpected: model.expectedAgents,
    ...(s
      ? {
          series: {
            phase: s.phase,
            ...(s.latest ? { latest: s.latest } : {}),
            ops: Object.fromEntries(Object.entries(s.ops).map(([op, pts]) => [op, pts.map((p) => [p.t, p.okPerSec, p.errorsPerSec, p.p50Us / 1000, p.p99Us / 1000, p.maxUs / 1000] as [number, number, number, number, number, number])])),
          },
        }
      : {}),
    members: model.memberList().map((m) => {
      const isLeader = gauge(m.metrics?.etcd_server_is_leader);
      const hasLeader = gauge(m.metrics?.etcd_server_has_leader);
      const dbBytes = gauge(m.metrics?.etcd_mvcc_db_total_size_in_bytes ?? m.metrics?.etcd_debugging_mvcc_db_total_size_in_bytes);
      return { member: m.member, up: m.up, ...(isLeader !== undefined ? { isLeader: isLeader === 1 } : {}), ...(hasLeader !== undefined ? { hasLeader: hasLeader === 1 } : {}), ...(dbBytes !== undefined ? { dbBytes } : {}) };
    }),
  };
}
