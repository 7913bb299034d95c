import type { LatencySummaryUs } from '../histogram.js';

/** Version of the summary JSON layout (docs/results.md); bumped on any incompatible change. */
export const SUMMARY_SCHEMA_VERSION = 1;

export interface OpSummary {
  /** Successful operations. */
  count: number;
  /** Failed operations, all codes. */
  errors: number;
  errorsByCode: Record<string, number>;
  /** Successful operations per second of phase wall time. */
  throughputOpsPerSec: number;
  latencyUs: LatencySummaryUs;
  /** Open-loop phases: the service time (from the actual send) of the same operations, beside the latency. */
  serviceUs?: LatencySummaryUs;
}

export interface IntervalStat {
  /** Coordinator clock, ms since the epoch. */
  startMs: number;
  /** Seconds since the phase start. */
  offsetSec: number;
  count: number;
  errors: number;
  opsPerSec: number;
  latencyUs: { p50: number; p99: number; max: number };
  /** Data for this interval arrived after it was finalized; counts include it, percentiles do not. */
  late?: boolean;
}

export interface AgentPhaseSummary {
  agentId: string;
  clients: number;
  count: number;
  errors: number;
  startSkewMs: number;
  elapsedMs: number;
  /** Agent CPU time over the phase's wall time: 1.0 = one core busy. */
  cpuCores: number;
  endedBy: string;
}

export interface PhaseSummary {
  name: string;
  /** Coordinator clock, ms since the epoch. */
  startedAtMs: number;
  durationMs: number;
  /** By recorded op name: the mix's operations and what they record besides (cas-miss, watch-event, ...). */
  ops: Partial<Record<string, OpSummary>>;
  /** All operations of the phase together (observations such as watch events left out). */
  all: OpSummary;
  lateStarts: number;
  agents: AgentPhaseSummary[];
  intervals: IntervalStat[];
}

export interface IntegrityMismatch {
  agentId: string;
  phase: string;
  op: string;
  /** What did not match: the count or the histogram buckets. */
  detail: string;
}

export interface RunSummary {
  schemaVersion: number;
  runId: string;
  runDir: string;
  workload: { name: string; source: string; quick: boolean };
  cluster: { provider: string; members: number; endpoints: string[]; etcdVersion?: string };
  agents: number;
  startedAt: string;
  finishedAt: string;
  /** completed, or why the run stopped early (phases measured until then are kept). */
  status: 'completed' | 'aborted' | 'failed';
  phases: PhaseSummary[];
  integrity: { ok: boolean; mismatches: IntegrityMismatch[] };
  warnings: string[];
}
