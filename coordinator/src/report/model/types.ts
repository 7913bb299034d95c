/**
 * The report model: everything a report shows, computed from a results folder (report/raw) alone. It is
 * written as report/report.json, the versioned JSON summary documented in docs/reports.md; bump
 * REPORT_SCHEMA_VERSION on any incompatible change (a renamed or removed field, a changed unit).
 */

import type { LatencySummaryUs, OpenLoopCheck, PhaseFaultSummary, PhaseWitness, Verdict } from '@etcdlab/common';
import type { RawCluster } from '../raw/types.js';

export const REPORT_SCHEMA = 'etcdlab-report';
export const REPORT_SCHEMA_VERSION = 1;

export type { LatencyStatsUs, OpStats } from '@etcdlab/common';
import type { LatencyStatsUs, OpStats } from '@etcdlab/common';

/** One interval of one op (or all ops), merged over every agent. */
export interface TimelinePoint {
  /** Seconds from the phase's synchronized start to the interval's start. */
  offsetSec: number;
  count: number;
  errors: number;
  opsPerSec: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  /** Service time (from the request's actual send), when it differs from the response time: open loops. */
  service?: { p50Us: number; p90Us: number; p99Us: number; p999Us: number; maxUs: number };
  /** A warm-up interval: shown, not counted in the phase's results. */
  warmup?: true;
}

/** A point of HdrHistogram's percentile distribution (its own iteration, 5 ticks per half distance). */
export interface PercentilePoint {
  /** 0..100 */
  percentile: number;
  valueUs: number;
  /** Operations at or below valueUs. */
  totalCount: number;
}

export interface ErrorPoint {
  offsetSec: number;
  op: string;
  code: string;
  count: number;
  warmup?: true;
}

/** Failed requests of one interval sent to one member (agents' errorEndpoints, named by the cluster record). */
export interface MemberErrorPoint {
  offsetSec: number;
  member: string;
  count: number;
}

export interface AgentStats {
  agentId: string;
  host?: string;
  clients: number;
  count: number;
  errors: number;
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
  /** Agent CPU time over the phase's wall time (1.0 = one core busy). */
  cpuCores: number;
  startSkewMs: number;
  endedBy: string;
}

/** A threshold crossed, in words, with its level (bad = red, warn = amber). */
export interface Flag {
  level: 'bad' | 'warn';
  metric: string;
  message: string;
}

/** One etcd member over a window (a phase, or the whole run), from the differences between scrapes. */
export interface EtcdWindow {
  member: string;
  scrapes: number;
  failedScrapes: number;
  /** The scrapes used bracket the window: this is how long the measured span really is. */
  spanMs: number;
  fsyncP99Ms?: number;
  fsyncCount: number;
  commitP99Ms?: number;
  commitCount: number;
  leaderChanges: number;
  proposalsFailed: number;
  proposalsCommitted: number;
  proposalsPendingMax?: number;
  /** 0 when the member saw no leader at some scrape. */
  hasLeaderMin?: number;
  isLeader?: boolean;
  dbSizeBytes?: number;
  dbSizeInUseBytes?: number;
  peerRttP99Ms?: number;
  /** etcd process CPU over the span (1.0 = one core). */
  cpuCores?: number;
  rssBytesMax?: number;
  flags: Flag[];
}

/** One scrape interval of one member, for the charts. */
export interface EtcdPoint {
  /** Seconds since the run's base time. */
  offsetSec: number;
  fsyncP99Ms?: number;
  commitP99Ms?: number;
  proposalsPending?: number;
  dbSizeBytes?: number;
  /** Leader changes since the first scrape of the run. */
  leaderChanges?: number;
  hasLeader?: number;
  cpuCores?: number;
  peerRttP99Ms?: number;
}

export interface EtcdHealth {
  thresholds: { fsyncP99Ms: number; commitP99Ms: number };
  /** Whole run, per member. */
  run: EtcdWindow[];
  timeline: Record<string, EtcdPoint[]>;
}

export interface HostHealth {
  host: string;
  source: 'samples' | 'check' | 'both';
  samples: number;
  cpuPctMean?: number;
  cpuPctMax?: number;
  stealPctMean?: number;
  stealPctMax?: number;
  load1Max?: number;
  /** The busiest process that is neither etcd nor etcdlab, at its busiest. */
  busiestForeign?: { name: string; cpuPct: number };
  timeline: { offsetSec: number; cpuPct?: number; stealPct?: number; foreignCpuPct?: number }[];
  flags: Flag[];
}

export interface ReportPhase {
  name: string;
  startedAtMs: number;
  durationMs: number;
  /** From the workload as run (after --quick). */
  clients?: number;
  rateOpsPerSec?: number;
  lateStarts: number;
  /** Open loop: operations due before the phase end that were never started. */
  droppedStarts: number;
  /** How the phase ended (the run's record); not completed = the phase's figures are partial. */
  outcome: 'completed' | 'interrupted' | 'incomplete' | 'failed';
  reasons: string[];
  ops: Record<string, OpStats>;
  /** Every request of the phase together (watch events are not requests: see `events`). */
  all: OpStats;
  /** Watch events delivered: count, per second, and the put-to-event latency of the timed ones. */
  events?: { count: number; perSec: number; timed: number; latencyUs?: LatencyStatsUs };
  /** Open loop: asked and reached rate, late and dropped starts, and whether the phase kept to them. */
  openLoop?: OpenLoopCheck;
  /** Keyed by op, plus `all`. */
  timeline: Record<string, TimelinePoint[]>;
  percentiles: Record<string, PercentilePoint[]>;
  errorsOverTime: ErrorPoint[];
  agents: AgentStats[];
  etcd: EtcdWindow[];
  /** etcd's count of the phase's writes beside the agents' (absent when the revision was not read). */
  witness?: PhaseWitness;
  /** A phase with faults: windows, availability, durability (model/faults.ts). */
  faults?: PhaseFaultSummary;
}

export type { RuleResult, Verdict, VerdictStatus } from '@etcdlab/common';

export type WarningKind = 'witness' | 'agent-restarted' | 'agent-cpu-bound' | 'agent-lost' | 'agent-fault' | 'rate-not-reached' | 'phase-incomplete' | 'clock-skew' | 'host-steal' | 'noisy-neighbour' | 'integrity' | 'run-incomplete' | 'etcd-unreachable' | 'results-folder';

export interface TrustWarning {
  kind: WarningKind;
  message: string;
}

export interface ReportModel {
  schema: typeof REPORT_SCHEMA;
  schemaVersion: number;
  run: {
    runId: string;
    /** --name and --tag k=v of the run. */
    name?: string;
    tags?: Record<string, string>;
    workload: { name: string; source: string; quick: boolean };
    cluster: RawCluster;
    agents: number;
    startedAt: string;
    finishedAt?: string;
    status: string;
    intervalMs: number;
    mergedFrom?: { runId: string; mode: string }[];
  };
  phases: ReportPhase[];
  verdict: Verdict;
  /** Reasons to doubt the numbers; empty = nothing known. */
  warnings: TrustWarning[];
  integrity: { ok: boolean; mismatches: { agentId: string; phase: string; op: string; detail: string }[] };
  etcd: EtcdHealth;
  hosts: HostHealth[];
}
