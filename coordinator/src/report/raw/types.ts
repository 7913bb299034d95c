import type { AgentRestart, AvailabilityRecord, DurabilityRecord, FaultRecord, IntegrityMismatch, RevisionWitness } from '@etcdlab/common';
import type { MetricsSample } from '../../metrics/index.js';

/**
 * A results folder read back into memory: the raw measurements, nothing derived. Every figure of a
 * report is computed from this (report/model), and a merge of several runs is again one of these.
 */

export interface RawOpInterval {
  op: string;
  /** Successful operations (equals the histogram's total count). */
  count: number;
  errors: Record<string, number>;
  /** The interval's latency histogram, HdrHistogram V2 base64, exactly as in the .hlog ('' when count is 0 and none was written). */
  histogram: string;
  /** Open loop: the service-time histogram (from the send), tag `phase/op.service` in the .hlog. */
  serviceHistogram?: string;
}

/** One agent's report for one interval: agents/<id>.intervals.jsonl joined with agents/<id>.hlog. */
export interface RawInterval {
  agentId: string;
  seq: number;
  phase: string;
  /** Coordinator clock, ms since the epoch. */
  startMs: number;
  lengthMs: number;
  cpuUs: number;
  lateStarts: number;
  /** Open loop: operations due before the phase end that were never started. */
  droppedStarts?: number;
  /** Failed requests by the endpoint they were sent to (which member clients felt a fault on). */
  errorEndpoints?: Record<string, number>;
  /** A warm-up interval: kept in the raw logs and shown on the timeline, left out of the phase's results. */
  warmup?: boolean;
  /** Writes etcd acknowledged with a new revision (the witness). */
  writes?: number;
  /** The agent process that sent it (a restarted agent is a new instance). */
  instance?: string;
  /** Sent from a checkpoint of an agent process that died: its interval up to then. */
  checkpointAtMs?: number;
  ops: RawOpInterval[];
}

export interface RawAgentPhase {
  agentId: string;
  clients: number;
  startSkewMs: number;
  elapsedMs: number;
  endedBy: string;
}

/** A phase's timing as the run recorded it (summary.json), or as inferred from the intervals. */
export interface RawPhase {
  name: string;
  startedAtMs: number;
  durationMs: number;
  /** How the phase ended (the manifest's record); absent for old folders and inferred phases. */
  outcome?: 'completed' | 'interrupted' | 'incomplete' | 'failed';
  reasons?: string[];
  agents: RawAgentPhase[];
  absent?: string[];
  restarts?: AgentRestart[];
  witness?: RevisionWitness;
  faults?: FaultRecord[];
  availability?: AvailabilityRecord;
  durability?: DurabilityRecord;
}

export interface RawAgent {
  agentId: string;
  host?: string;
  pid?: number;
  clock?: { offsetMs: number; rttMs: number };
}

/** One sample of a host's health (hosts/<host>.jsonl), when an agent or monitor provides them. */
export interface HostSample {
  /** Coordinator clock, ms since the epoch. */
  t: number;
  host: string;
  /** Busy CPU (all cores, 0..100). */
  cpuPct?: number;
  /** CPU time stolen by the hypervisor (0..100). */
  stealPct?: number;
  iowaitPct?: number;
  load1?: number;
  /** The busiest processes; `foreign` = not etcd and not etcdlab. */
  top?: { name: string; pid?: number; cpuPct: number; foreign?: boolean }[];
}

/** A host check before the run (the manifest's hosts check), reduced to what the report uses. */
export interface HostCheck {
  host: string;
  role?: string;
  stealPct?: number;
  load1?: number;
  cpus?: number;
  /** The busiest processes that are neither etcd nor etcdlab. */
  topForeign: { name: string; cpuPct: number }[];
  /** Problems the check itself reported, in words. */
  problems: string[];
}

export interface RawCluster {
  provider: string;
  members: number;
  endpoints: string[];
  etcdVersion?: string;
  tls?: boolean;
  [field: string]: unknown;
}

export interface RawRun {
  /** --name and --tag of the run, when given. */
  label?: { name?: string; tags?: Record<string, string> };
  dir: string;
  runId: string;
  /** The run's base time (manifest createdAt): .hlog time stamps count from it. */
  baseTimeMs: number;
  finishedAt?: string;
  status: 'completed' | 'aborted' | 'failed' | 'unknown';
  intervalMs: number;
  /** The manifest's cluster record as written (provider-specific fields kept). */
  cluster: RawCluster;
  workload: { name: string; source: string; quick: boolean; phases: Record<string, unknown>[]; rules?: unknown };
  agents: RawAgent[];
  phases: RawPhase[];
  intervals: RawInterval[];
  integrity: { ok: boolean; mismatches: IntegrityMismatch[] };
  /** Warnings the run itself recorded (manifest.json), e.g. an agent fault. */
  runWarnings: string[];
  /** The error that ended the run, when one did. */
  error?: { code: string; message: string };
  metrics: MetricsSample[];
  hostSamples: HostSample[];
  hostChecks: HostCheck[];
  /** Set on a merged run: the runs it was made from. */
  mergedFrom?: { runId: string; dir: string; mode: MergeMode }[];
  /** The manifest as written, for what the report does not interpret. */
  manifest: Record<string, unknown>;
}

/** parallel: the runs drove the cluster at the same time; sequential: one after another (repeats). */
export type MergeMode = 'parallel' | 'sequential';
