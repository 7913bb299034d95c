import type { PhaseFaultSummary } from './faults.js';
import type { LatencySummaryUs } from '../histogram.js';
import type { OpenLoopCheck } from './open-loop-check.js';
import type { PhaseOutcome } from './phase-record.js';

/** Version of the summary JSON layout (docs/results.md); bumped on any incompatible change. */
export const SUMMARY_SCHEMA_VERSION = 2;

/** An agent's CPU time over the phase's wall time (1.0 = one core busy); 0 for a phase of no length. The run and the report both read it from here. */
export const cpuCoresOf = (cpuUs: number, durationMs: number): number => (durationMs > 0 ? cpuUs / 1000 / durationMs : 0);

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

/** One rule judged on one phase. */
export interface RuleResult {
  rule: string;
  /** Where it applies: a phase name or `*`, and an op or `all`. */
  phase: string;
  op: string;
  metric: string;
  /** Latency metrics: from the intended start (latency) or from the send (service). */
  measure?: 'latency' | 'service';
  status: 'pass' | 'fail' | 'n/a';
  expected: string;
  actual: string;
  /** The figure judged (latencies in microseconds, rates 0..1), when there was one. */
  value?: number;
  limit: { min?: number; max?: number };
  unit?: string;
}

export type VerdictStatus = 'PASS' | 'FAIL' | 'NONE' | 'INCOMPLETE' | 'NOT_A_CHECK';

export interface Verdict {
  /** NONE: no rules; INCOMPLETE: the run or a phase did not complete; NOT_A_CHECK: --quick cannot meet the rules. */
  status: VerdictStatus;
  /** Why, in words. */
  reason: string;
  results: RuleResult[];
  /** Rules that could not be read (named, with why); they count as failed. */
  problems: string[];
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

/** etcd's count of a phase's writes (revision delta) beside the agents' (docs/resilience.md). */
export interface PhaseWitness {
  etcdWrites: number;
  agentWrites: number;
  /** agentWrites - etcdWrites. */
  difference: number;
  /** How many missing writes the recorded faults account for at most (checkpoint windows, failed writes). */
  allowance: number;
  /** equal; within-window: fewer, within the allowance; explained: a cause without a bound; unexplained. */
  status: 'equal' | 'within-window' | 'explained' | 'unexplained';
  causes: string[];
  /** "etcd counted N writes, agents accounted for M", with the gap: the line every output prints. */
  statement: string;
}

export interface PhaseSummary {
  name: string;
  /** Coordinator clock, ms since the epoch. */
  startedAtMs: number;
  durationMs: number;
  /** By recorded op name: the mix's operations and what they record besides (cas-miss, watch-event, ...). */
  ops: Partial<Record<string, OpSummary>>;
  /** All requests of the phase together (watch events are not requests: see `events`). */
  all: OpSummary;
  /** How the phase ended; anything but completed means partial figures. */
  outcome: PhaseOutcome;
  reasons: string[];
  lateStarts: number;
  droppedStarts: number;
  /** Watch events delivered, apart from the requests. */
  events?: { count: number; perSec: number; timed: number; latencyUs?: LatencySummaryUs };
  /** Open loop: asked and reached rate, and whether the phase kept to them. */
  openLoop?: OpenLoopCheck;
  agents: AgentPhaseSummary[];
  intervals: IntervalStat[];
  /** Absent when the cluster's revision could not be read. */
  witness?: PhaseWitness;
  /** A phase with faults: the windows, availability and durability (docs/faults.md). */
  faults?: PhaseFaultSummary;
}

export interface IntegrityMismatch {
  agentId: string;
  phase: string;
  op: string;
  /** What did not match: the count or the histogram buckets; for the witness, etcd's count and the agents'. */
  detail: string;
  /** histogram (absent in older folders): an agent's whole-phase histogram against its intervals; witness: etcd's write count against the agents' with no fault to explain it. */
  kind?: 'histogram' | 'witness';
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
  /** The verdict on the workload's rules, with the run's completeness (one place: the report model). */
  verdict: Verdict;
  /** The same reasons to doubt the results as the report's. */
  warnings: string[];
  /** The error that ended the run, when one did. */
  error?: { code: string; message: string };
}
