/**
 * The largest value every number of a workload may take (docs/workloads.md#bounds), derived from what a
 * machine and etcd can do: past them a run cannot be what the file asks for (etcd refuses the request,
 * the agent runs out of memory or sockets, the run would outlast any use). `workload validate` and every
 * run command refuse them before anything starts. One table, read by the schema and the docs test.
 */
export const WORKLOAD_BOUNDS = {
  /** Phases in a workload. */
  phases: 100,
  /** Fault entries of a phase (each may repeat with every:). */
  faults: 100,
  /** Concurrent clients of a phase (in all agents): each is an in-flight request and its bookkeeping. */
  clients: 10_000,
  /** HTTP/2 connections of a phase (in all agents): each is a socket to a member. */
  connections: 1_000,
  /** Operations of a `total` phase. */
  total: 1_000_000_000,
  /** A phase's duration: a week. */
  durationMs: 7 * 24 * 3_600_000,
  /** A warm-up: an hour. */
  warmupMs: 3_600_000,
  /** A request's deadline: 10 minutes. */
  deadlineMs: 600_000,
  /** Open-loop target rate, ops/s in all (about 100 times what one etcd cluster serves). */
  ratePerSec: 10_000_000,
  /** Stages of a rate ramp. */
  rampStages: 1_000,
  /** Distinct keys of a phase's key space (an index below 2^53; etcdctl check perf draws from 10^12). */
  keySpace: 1_000_000_000_000_000,
  /** A key's last segment, bytes. */
  keyBytes: 65_536,
  /** A value, bytes: etcd's default request limit (--max-request-bytes, 1.5 MiB). */
  valueBytes: 1_572_864,
  /** Watch streams of a phase, and watchers per stream. */
  watchStreams: 10_000,
  watchersPerStream: 1_000,
  /** Leases each agent keeps, and their TTL (a day). */
  leasePool: 100_000,
  leaseTtlMs: 86_400_000,
  /** Keys a range reads (limit) or spans, and revisions a compaction keeps. */
  rangeKeys: 100_000_000,
  compactRetain: 1_000_000_000,
  /** Pattern phases: drivers, initial keys per driver, levels (a rate is per hour, at most ratePerSec x 3600). */
  patternDrivers: 10_000,
  patternTotal: 1_000_000_000,
  patternLevel: 64,
  /** Keys one pattern driver expands to (the product of its levels' counts): 2^40. */
  patternKeys: 1_099_511_627_776,
  patternRatePerHour: 10_000_000 * 3600,
  leasesActive: 1_000_000,
  /** Characters of a pattern, and of a description or name. */
  patternChars: 4_096,
  textChars: 10_000,
} as const;
